//! `veloview dq evaluate`: not written yet.

pub fn run(_args: &[String]) -> Result<(), String> {
    Err("veloview dq evaluate: not implemented yet".into())
}
