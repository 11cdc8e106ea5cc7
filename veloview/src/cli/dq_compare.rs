//! `veloview dq compare`: not written yet.

pub fn run(_args: &[String]) -> Result<(), String> {
    Err("veloview dq compare: not implemented yet".into())
}
