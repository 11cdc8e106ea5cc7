//! `veloview dq ...`: the data-quality subcommands, one module each.

#[path = "dq_compare.rs"]
mod compare;
#[path = "dq_evaluate.rs"]
mod evaluate;
#[path = "dq_scan.rs"]
mod scan;

pub const USAGE: &str =
    "  veloview dq compare CHECK DATA_FILE DATA_PATH [REF_FILE REF_PATH] [--args JSON]
                                run one check on one histogram, print its outcome as JSON
  veloview dq evaluate RUN [--data-dir D] [--run-list F] [--config F] [--references F]
                                evaluate a run's data quality, print the tree as JSON
  veloview dq scan [--force]    evaluate and store every run that needs it";

pub fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("compare") => compare::run(&args[1..]),
        Some("evaluate") => evaluate::run(&args[1..]),
        Some("scan") => scan::run(&args[1..]),
        _ => Err(format!("usage:\n{USAGE}")),
    }
}
