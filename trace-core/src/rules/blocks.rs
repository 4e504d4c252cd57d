//! Movement and blocks: holds, recalls and failed inspections stop a batch and everything made from it.
//!
//! Invariants kept here:
//! - a block on a batch reaches every descendant, present and future, including descendants recorded after the
//!   block (transforms and applications copy blocks through lineage whenever they arrive);
//! - nothing blocked moves now: it is not shipped, sold or certified; a transform or an application of a
//!   blocked lot is refused when claimed at or after the block, and accepted when it happened before (late
//!   paperwork), its outputs taking the block;
//! - a release lifts the one block it names (a hold, a failed inspection or a late treatment's hold placed on
//!   this batch), never a recall nor a banned substance found, from the batch and its descendants; other blocks
//!   stay.

use super::*;

impl Ctx<'_, '_> {
    /// Records a lineage edge from `parent` to `child`.
    pub(super) fn link(&mut self, parent: BatchId, child: BatchId) {
        self.ov.mark(schema::child_edge(parent, child));
        self.ov.mark(schema::parent_edge(child, parent));
    }

    /// Refuses moving a blocked batch now, whatever the record claims.
    pub(super) fn ensure_movable(&self, b: &BatchState, action: Action) -> Result<(), Error> {
        self.ensure_not_blocked_by(b, action, |_| true)
    }

    /// Refuses a fact that extends lineage from a batch blocked at or before the record's claimed time; one that
    /// happened before every block on it is accepted, and its outputs take the blocks ([`Ctx::inherit_blocks`]).
    pub(super) fn ensure_unblocked_then(&self, b: &BatchState, action: Action) -> Result<(), Error> {
        let t = self.time;
        self.ensure_not_blocked_by(b, action, |x| x.time <= t)
    }

    fn ensure_not_blocked_by(
        &self,
        b: &BatchState,
        action: Action,
        counts: impl Fn(&Block) -> bool,
    ) -> Result<(), Error> {
        // A block scoped to some holders stops only them (under any of their keys).
        let stops = |x: &Block| x.holders.is_empty() || x.holders.iter().any(|h| self.is_me(h));
        if let Some(block) =
            b.blocks.iter().filter(|x| counts(x) && stops(x)).max_by_key(|x| x.kind == BlockKind::Recalled)
        {
            return refuse(Facts::Blocked {
                batch: b.id,
                label: b.name(),
                block: block.kind,
                source: block.source,
                since: block.time,
                reason: block.reason.clone(),
                action,
            });
        }
        Ok(())
    }

    /// Places a block on `b` and every descendant.
    pub(super) fn block(&mut self, b: &mut BatchState, kind: BlockKind, reason: &str) -> Result<(), Error> {
        self.block_for(b, kind, reason, Vec::new())
    }

    /// Places a block on `b` and every descendant that stops `holders` only (everyone when empty).
    pub(super) fn block_for(
        &mut self,
        b: &mut BatchState,
        kind: BlockKind,
        reason: &str,
        holders: Vec<PublicKey>,
    ) -> Result<(), Error> {
        if kind == BlockKind::Recalled && b.blocks.iter().any(|x| x.kind == BlockKind::Recalled && x.source == b.id) {
            return refuse(Facts::AlreadyRecalled { batch: b.id });
        }
        let block = Block { kind, source: b.id, record: self.id, reason: reason.to_owned(), time: self.time, holders };
        b.blocks.push(block.clone());
        let root = b.id;
        self.for_each_descendant(root, |d| d.blocks.push(block.clone()))
    }

    /// Adds `blocks` to `b` and every descendant, skipping any each already carries.
    pub(super) fn inherit_blocks(&mut self, b: &mut BatchState, blocks: &[Block]) -> Result<(), Error> {
        let add = |d: &mut BatchState| {
            for x in blocks {
                if !d.blocks.contains(x) {
                    d.blocks.push(x.clone());
                }
            }
        };
        add(b);
        if blocks.is_empty() {
            return Ok(());
        }
        self.for_each_descendant(b.id, add)
    }

    pub(super) fn released(&mut self, b: &mut BatchState, e: &Released) -> Result<(), Error> {
        if !b.blocks.iter().any(|x| x.source == b.id && x.kind != BlockKind::Recalled) {
            return refuse(Facts::NoHoldToRelease { batch: b.id, label: b.name() });
        }
        let (root, lifts) = (b.id, e.lifts);
        let placed = |x: &Block| x.source == root && x.record == lifts;
        if b.blocks.iter().any(|x| placed(x) && x.kind == BlockKind::BannedSubstanceFound) {
            return refuse(Facts::BannedFindingNotReleased { batch: b.id, lifts });
        }
        if b.blocks.iter().any(|x| placed(x) && x.kind == BlockKind::Discard) {
            return refuse(Facts::DiscardNotReleased { batch: b.id, lifts });
        }
        if !b.blocks.iter().any(|x| placed(x) && x.kind != BlockKind::Recalled) {
            return refuse(Facts::NotABlock { batch: b.id, lifts });
        }
        self.lift(b, lifts)
    }

    /// Lifts the block `record` placed on `b` from it and every descendant.
    pub(super) fn lift(&mut self, b: &mut BatchState, record: RecordId) -> Result<(), Error> {
        let root = b.id;
        let named = move |x: &Block| x.source == root && x.record == record && x.kind != BlockKind::Recalled;
        let lift = move |blocks: &mut Vec<Block>| blocks.retain(|x| !named(x));
        lift(&mut b.blocks);
        self.for_each_descendant(root, |d| lift(&mut d.blocks))
    }

    /// Runs `f` on every descendant of `root` (not `root` itself) and saves it. Visits each once.
    pub(super) fn for_each_descendant(
        &mut self,
        root: BatchId,
        mut f: impl FnMut(&mut BatchState),
    ) -> Result<(), Error> {
        let mut seen = BTreeSet::from([root]);
        let mut queue = VecDeque::from([root]);
        while let Some(id) = queue.pop_front() {
            for (k, _) in self.ov.scan_prefix(&schema::children_prefix(id))? {
                let Some(child) = BatchId::from_value(schema::tail_u64(&k)?) else { continue };
                if !seen.insert(child) {
                    continue;
                }
                let Some(mut d) = self.ov.batch(child)? else {
                    return Err(schema::corrupt(&k, format!("lineage edge to missing batch {child}")));
                };
                f(&mut d);
                self.ov.put_batch(&d);
                queue.push_back(child);
            }
        }
        Ok(())
    }
}
