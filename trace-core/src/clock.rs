//! [`Clock`]: where a ledger's accepted times come from, and [`StoryClock`], the one a story sets by hand.
//!
//! A running node stamps every entry with the system clock; nothing in a data directory's configuration or on
//! the node's command line can choose another. Stories (the demo, scenario tests) need accepted times they
//! control, so that what the rules compute from acceptance (late entries now; back-dating and withdrawal starts
//! in the rules work) can be shown and tested: they build a ledger with [`Ledger::with_clock`] and a
//! [`StoryClock`], which only Rust code can make. **Invariant**: trace-node never names `StoryClock` (an
//! architecture test scans its sources); a story clock that has [finished](StoryClock::finish) reads the
//! system clock, so a demo ledger handed on to a node is stamped by the system clock from then on.
//!
//! Accepted times never go backwards along the log whatever a clock says: the writer takes the later of the
//! clock and the last accepted time.
//!
//! [`Ledger::with_clock`]: crate::Ledger::with_clock

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::values::Time;

/// The source of a ledger's accepted times.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    story: Option<Arc<StoryState>>,
}

#[derive(Debug)]
struct StoryState {
    at: AtomicU64,
    finished: AtomicBool,
}

impl Clock {
    /// The system clock: what every running node uses.
    pub fn system() -> Clock {
        Clock { story: None }
    }

    /// The current accepted time.
    pub fn now(&self) -> Time {
        match &self.story {
            Some(s) if !s.finished.load(Ordering::SeqCst) => Time(s.at.load(Ordering::SeqCst)),
            _ => Time::now(),
        }
    }

    /// Whether this clock is a story's and has not finished.
    pub fn is_story(&self) -> bool {
        self.story.as_ref().is_some_and(|s| !s.finished.load(Ordering::SeqCst))
    }
}

/// A clock that a story sets: the demo and tests. Every [`Clock`] made from it reads the time last
/// [set](StoryClock::set), until the story [finishes](StoryClock::finish).
#[derive(Clone, Debug)]
pub struct StoryClock {
    state: Arc<StoryState>,
}

impl StoryClock {
    /// A story clock reading `start`.
    pub fn starting_at(start: Time) -> StoryClock {
        StoryClock { state: Arc::new(StoryState { at: AtomicU64::new(start.0), finished: AtomicBool::new(false) }) }
    }

    /// Sets the time the ledger will stamp on the next records it accepts.
    pub fn set(&self, t: Time) {
        self.state.at.store(t.0, Ordering::SeqCst);
    }

    /// The time it reads now.
    pub fn now(&self) -> Time {
        Clock { story: Some(Arc::clone(&self.state)) }.now()
    }

    /// The clock to give a ledger.
    pub fn clock(&self) -> Clock {
        Clock { story: Some(Arc::clone(&self.state)) }
    }

    /// Ends the story: from now on every clock made from this one reads the system clock.
    pub fn finish(&self) {
        self.state.finished.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_story_clock_reads_what_was_set_until_it_finishes() {
        let story = StoryClock::starting_at(Time(1_000));
        let clock = story.clock();
        assert!(clock.is_story());
        assert_eq!(clock.now(), Time(1_000));
        story.set(Time(5_000));
        assert_eq!(clock.now(), Time(5_000));
        story.finish();
        assert!(!clock.is_story());
        let system = Time::now();
        assert!(clock.now() >= system, "a finished story clock follows the system clock");
    }

    #[test]
    fn the_default_clock_is_the_system_clock() {
        let before = Time::now();
        let c = Clock::default();
        assert!(!c.is_story());
        assert!(c.now() >= before);
    }
}
