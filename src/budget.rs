//! How long the randomized unit tests (the never-panic and output-contract
//! loops in `aws::ini`, `job` and `json`) may run: each stops after its own
//! number of cases or after `SHIPCTL_FUZZ_SECS` seconds (default 1, a
//! decimal number), whichever comes first; `SHIPCTL_FUZZ_CASES=N` sets the
//! number of cases of every loop instead (for a longer run, with a larger
//! `SHIPCTL_FUZZ_SECS`). Tests only.

use std::time::{Duration, Instant};

/// One loop's bound: call [`Budget::next`] before each case.
pub struct Budget {
    start: Instant,
    limit: Duration,
    cases: u64,
    ran: u64,
}

impl Budget {
    /// At most `cases` cases (unless `SHIPCTL_FUZZ_CASES` says otherwise),
    /// within the time limit.
    pub fn new(cases: u64) -> Budget {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let secs: f64 = var("SHIPCTL_FUZZ_SECS").map_or(1.0, |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("SHIPCTL_FUZZ_SECS={v}: not a number"))
        });
        let cases = var("SHIPCTL_FUZZ_CASES").map_or(cases, |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("SHIPCTL_FUZZ_CASES={v}: not a number"))
        });
        Budget {
            start: Instant::now(),
            limit: Duration::from_secs_f64(secs),
            cases,
            ran: 0,
        }
    }

    /// May another case run? Counts it when it may.
    pub fn next(&mut self) -> bool {
        let more = self.ran < self.cases && self.start.elapsed() < self.limit;
        self.ran += u64::from(more);
        more
    }

    /// How many cases ran.
    pub fn ran(&self) -> u64 {
        self.ran
    }
}

#[test]
fn stops_at_the_count_or_the_time() {
    let mut b = Budget::new(3);
    b.cases = 3; // whatever SHIPCTL_FUZZ_CASES says
    while b.next() {}
    assert_eq!(b.ran(), 3);
    let mut b = Budget::new(u64::MAX);
    b.cases = u64::MAX;
    b.limit = Duration::from_millis(20);
    while b.next() {}
    assert!(b.start.elapsed() >= Duration::from_millis(20));
}
