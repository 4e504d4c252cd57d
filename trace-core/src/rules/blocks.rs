//! Movement and blocks: holds, recalls and failed inspections stop a batch and everything made from it.
//!
//! Invariants kept here:
//! - a block on a batch reaches every descendant, present and future (transforms copy blocks through lineage);
//! - nothing blocked moves: it is not shipped, sold, applied, certified or transformed;
//! - a release lifts the one block it names (a hold or failed inspection placed on this batch), never a recall,
//!   from the batch and its descendants; other blocks stay.

use super::*;

impl Ctx<'_, '_> {
    /// Records a lineage edge from `parent` to `child`.
    pub(super) fn link(&mut self, parent: BatchId, child: BatchId) {
        self.ov.mark(schema::child_edge(parent, child));
        self.ov.mark(schema::parent_edge(child, parent));
    }

    pub(super) fn ensure_movable(&self, b: &BatchState, action: Action) -> Result<(), Error> {
        if let Some(block) = b.blocks.iter().max_by_key(|x| x.kind == BlockKind::Recalled) {
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
        if kind == BlockKind::Recalled && b.blocks.iter().any(|x| x.kind == BlockKind::Recalled && x.source == b.id) {
            return refuse(Facts::AlreadyRecalled { batch: b.id });
        }
        let block = Block { kind, source: b.id, record: self.id, reason: reason.to_owned(), time: self.time };
        b.blocks.push(block.clone());
        let root = b.id;
        self.for_each_descendant(root, |d| d.blocks.push(block.clone()))
    }

    pub(super) fn released(&mut self, b: &mut BatchState, e: &Released) -> Result<(), Error> {
        if !b.blocks.iter().any(|x| x.source == b.id && x.kind != BlockKind::Recalled) {
            return refuse(Facts::NoHoldToRelease { batch: b.id, label: b.name() });
        }
        let (root, lifts) = (b.id, e.lifts);
        let named = |x: &Block| x.source == root && x.record == lifts && x.kind != BlockKind::Recalled;
        if !b.blocks.iter().any(named) {
            return refuse(Facts::NotABlock { batch: b.id, lifts });
        }
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
