//! Prometheus text metrics: requests and latency per route, appends, refusals by code, tree size.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Latency histogram bucket bounds, in seconds.
const BUCKETS: [f64; 12] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];

#[derive(Debug, Default, Clone)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    appends: u64,
    duplicates: u64,
    refusals: BTreeMap<String, u64>,
    checkpoints: u64,
}

/// The node's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        match self.inner.lock() {
            Ok(mut g) => f(&mut g),
            Err(p) => f(&mut p.into_inner()),
        }
    }

    /// Counts a request on `route` answered with `status` after `elapsed`.
    pub fn request(&self, route: &str, status: u16, elapsed: Duration) {
        self.with(|m| {
            *m.requests.entry((route.to_owned(), status)).or_default() += 1;
            let h = m.latency.entry(route.to_owned()).or_default();
            let secs = elapsed.as_secs_f64();
            for (i, b) in BUCKETS.iter().enumerate() {
                if secs <= *b {
                    h.counts[i] += 1;
                }
            }
            h.count += 1;
            h.sum += secs;
        });
    }

    /// Counts an accepted record.
    pub fn appended(&self, duplicate: bool) {
        self.with(|m| if duplicate { m.duplicates += 1 } else { m.appends += 1 });
    }

    /// Counts a refused record or request by code.
    pub fn refused(&self, code: &str) {
        self.with(|m| *m.refusals.entry(code.to_owned()).or_default() += 1);
    }

    /// Counts a signed checkpoint.
    pub fn checkpoint(&self) {
        self.with(|m| m.checkpoints += 1);
    }

    /// The Prometheus text exposition.
    /// `scan_cache` is the scan cache's answers and approximate bytes.
    pub fn render(&self, tree_size: u64, disk_bytes: u64, scan_cache: (usize, usize)) -> String {
        self.with(|m| {
            let mut o = String::new();
            let _ = writeln!(o, "# HELP trace_tree_size Entries in the log.\n# TYPE trace_tree_size gauge");
            let _ = writeln!(o, "trace_tree_size {tree_size}");
            let _ = writeln!(o, "# HELP trace_store_bytes Bytes the store uses on disk.\n# TYPE trace_store_bytes gauge");
            let _ = writeln!(o, "trace_store_bytes {disk_bytes}");
            let _ = writeln!(o, "# HELP trace_scan_cache_entries Batches whose scan answers are cached.\n# TYPE trace_scan_cache_entries gauge");
            let _ = writeln!(o, "trace_scan_cache_entries {}", scan_cache.0);
            let _ = writeln!(o, "# HELP trace_scan_cache_bytes Approximate bytes of cached scan answers.\n# TYPE trace_scan_cache_bytes gauge");
            let _ = writeln!(o, "trace_scan_cache_bytes {}", scan_cache.1);
            let _ = writeln!(o, "# HELP trace_appends_total Records appended.\n# TYPE trace_appends_total counter");
            let _ = writeln!(o, "trace_appends_total {}", m.appends);
            let _ = writeln!(o, "# HELP trace_duplicates_total Identical records resubmitted.\n# TYPE trace_duplicates_total counter");
            let _ = writeln!(o, "trace_duplicates_total {}", m.duplicates);
            let _ = writeln!(o, "# HELP trace_checkpoints_total Checkpoints signed.\n# TYPE trace_checkpoints_total counter");
            let _ = writeln!(o, "trace_checkpoints_total {}", m.checkpoints);
            let _ = writeln!(o, "# HELP trace_refusals_total Records and requests refused, by code.\n# TYPE trace_refusals_total counter");
            for (code, n) in &m.refusals {
                let _ = writeln!(o, "trace_refusals_total{{code=\"{code}\"}} {n}");
            }
            let _ = writeln!(o, "# HELP trace_http_requests_total HTTP requests by route and status.\n# TYPE trace_http_requests_total counter");
            for ((route, status), n) in &m.requests {
                let _ = writeln!(o, "trace_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}");
            }
            let _ = writeln!(o, "# HELP trace_http_request_seconds Request latency by route.\n# TYPE trace_http_request_seconds histogram");
            for (route, h) in &m.latency {
                for (i, b) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(o, "trace_http_request_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}", h.counts[i]);
                }
                let _ = writeln!(o, "trace_http_request_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", h.count);
                let _ = writeln!(o, "trace_http_request_seconds_sum{{route=\"{route}\"}} {}", h.sum);
                let _ = writeln!(o, "trace_http_request_seconds_count{{route=\"{route}\"}} {}", h.count);
            }
            o
        })
    }
}
