//! `veloview dq scan`: not written yet.

pub fn run(_args: &[String]) -> Result<(), String> {
    Err("veloview dq scan: not implemented yet".into())
}
