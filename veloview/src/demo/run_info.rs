//! The demo runs' run-info file (`RunInfo.csv`), as a site would export it from its run
//! database: each run's start and end (the runs of `generate`, an hour and a half apart, each
//! lasting 55 minutes), its LHC fill (four runs a fill) and the magnet polarity (flipped every
//! five runs, so that the trends show a few flips).

use crate::runview::run_info::{to_csv, Polarity, RunInfo};

pub const RUN_INFO: &str = "RunInfo.csv";

/// 2015-06-01T00:00:00Z, the demo's first run start (as `super::timestamp` counts from).
const EPOCH_MS: i64 = 1_433_116_800_000;
const RUN_SPACING_MS: i64 = 5_400_000;
const RUN_LENGTH_MS: i64 = 3_300_000;
const RUNS_PER_FILL: usize = 4;
const FIRST_FILL: u32 = 4000;
const RUNS_PER_POLARITY: usize = 5;

/// The file's text for `runs`, oldest first.
pub fn csv(runs: &[u32]) -> String {
    let info: Vec<RunInfo> = runs
        .iter()
        .enumerate()
        .map(|(i, &run)| {
            let start = EPOCH_MS + i as i64 * RUN_SPACING_MS;
            RunInfo {
                run,
                start_ms: Some(start),
                end_ms: Some(start + RUN_LENGTH_MS),
                fill: Some(FIRST_FILL + (i / RUNS_PER_FILL) as u32),
                magnet: Some(if (i / RUNS_PER_POLARITY).is_multiple_of(2) {
                    Polarity::Down
                } else {
                    Polarity::Up
                }),
            }
        })
        .collect();
    to_csv(&info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runview::run_info::RunInfoFile;

    #[test]
    fn the_demo_file_reads_back_with_runs_as_the_files_are_named() {
        let runs: Vec<u32> = (123970..123982).collect();
        let f = RunInfoFile::parse(&csv(&runs)).unwrap();
        assert!(f.problems.is_empty(), "{:?}", f.problems);
        assert_eq!(f.runs.len(), 12);
        // The second run starts 1.5 h after the first, and its file is stamped an hour later,
        // as the demo's file names say.
        assert_eq!(f.runs[1].start_ms, Some(EPOCH_MS + 5_400_000));
        let ((date, _), (time, _)) = super::super::timestamp(5400 + 3600);
        assert_eq!((date.as_str(), time.as_str()), ("2015-06-01", "02.30.00"));
        let fills: Vec<u32> = f.runs.iter().map(|r| r.fill.unwrap()).collect();
        assert_eq!(fills[..5], [4000, 4000, 4000, 4000, 4001]);
        let flips = f
            .runs
            .windows(2)
            .filter(|w| w[0].magnet != w[1].magnet)
            .count();
        assert_eq!(flips, 2);
        assert!(f.runs.iter().all(|r| r.end_ms > r.start_ms));
    }
}
