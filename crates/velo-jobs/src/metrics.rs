//! Operational counters, kept in Redis so that every velo-web and velo-worker process adds to the
//! same figures whichever host it runs on; velo-web's `/metrics` reads them back. Each is a field
//! of one hash, so one `HGETALL` reads them all.

/// Hash of counters: [`submitted`], [`finished`], [`failed`], [`cache_hit`] fields, by task.
pub const COUNTERS: &str = "velo:metrics:jobs";

/// Hash of the submit-to-result latency histogram, by task: one field per bucket (not
/// cumulative; `/metrics` sums them), plus [`latency_sum_ms`] and [`latency_count`].
pub const LATENCY: &str = "velo:metrics:latency";

/// Upper bounds of the latency buckets, in seconds: a cached plot answers in milliseconds, a
/// large one from a cold file in seconds, a stuck one at the job timeout.
pub const BUCKETS_SECS: &[f64] = &[0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

pub fn submitted(task: &str) -> String {
    format!("submitted|{task}")
}

pub fn finished(task: &str) -> String {
    format!("finished|{task}")
}

pub fn failed(task: &str) -> String {
    format!("failed|{task}")
}

pub fn cache_hit(task: &str) -> String {
    format!("cache_hit|{task}")
}

/// The bucket field a latency falls in: `task|le` with `le` one of [`BUCKETS_SECS`] or `+Inf`.
pub fn latency_bucket(task: &str, latency_ms: u64) -> String {
    let secs = latency_ms as f64 / 1000.0;
    match BUCKETS_SECS.iter().find(|b| secs <= **b) {
        Some(b) => format!("{task}|{b}"),
        None => format!("{task}|+Inf"),
    }
}

pub fn latency_sum_ms(task: &str) -> String {
    format!("{task}|sum_ms")
}

pub fn latency_count(task: &str) -> String {
    format!("{task}|count")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_fall_in_the_first_bucket_that_holds_them() {
        assert_eq!(latency_bucket("t", 0), "t|0.01");
        assert_eq!(latency_bucket("t", 10), "t|0.01");
        assert_eq!(latency_bucket("t", 11), "t|0.05");
        assert_eq!(latency_bucket("t", 60_000), "t|60");
        assert_eq!(latency_bucket("t", 60_001), "t|+Inf");
    }
}
