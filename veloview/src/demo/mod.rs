//! The demo dataset (`veloview demo-data`): Vetra-like DQM output for a range of runs, laid out as
//! the monitor expects it — `RunList.txt` and one directory per run holding its ROOT file(s) —
//! with a few runs carrying real problems, listed in `demo-problems.json` for the data-quality
//! checks to find. The output is a pure function of the options: same seed, same bytes.

mod rng;
mod run_file;
mod run_info;
mod sensor;

pub use run_info::RUN_INFO;
pub use sensor::{Problem, ProblemKind};

use crate::rio::writer::datime;
use crate::runview::paths::run_dir;
use rng::Rng;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const RUN_LIST: &str = "RunList.txt";
pub const MANIFEST: &str = "demo-problems.json";
/// Enough for any demo and small enough that a typo cannot fill the disk (a run is ~1.5 MB).
pub const MAX_RUNS: u32 = 200;

#[derive(Debug, Clone)]
pub struct Options {
    pub runs: u32,
    pub first_run: u32,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            runs: 20,
            first_run: 123970,
            seed: 1,
        }
    }
}

/// What was written, also saved as the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub seed: u64,
    pub runs: Vec<u32>,
    /// Each run's files, oldest first: the last one is the one the monitor shows.
    pub files: BTreeMap<u32, Vec<String>>,
    pub problems: Vec<Problem>,
}

/// One file to write.
struct FileJob {
    run: u32,
    pass: u64,
    path: PathBuf,
    name: String,
    datime: u32,
}

/// `veloview demo-data OUT_DIR [--runs N] [--first-run R] [--seed S]`: writes the dataset and
/// says on stderr what it wrote.
pub fn run_command(args: &[String]) -> Result<(), String> {
    let usage = "usage: veloview demo-data OUT_DIR [--runs N] [--first-run R] [--seed S]";
    let mut out = None;
    let mut opts = Options::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .ok_or_else(|| format!("{name} needs a value\n{usage}"))
                .map(String::as_str)
        };
        let bad = |name: &str, v: &str| format!("{name}: {v:?} is not a non-negative whole number");
        match a.as_str() {
            "--runs" => {
                let v = value("--runs")?;
                opts.runs = v.parse().map_err(|_| bad("--runs", v))?;
            }
            "--first-run" => {
                let v = value("--first-run")?;
                opts.first_run = v.parse().map_err(|_| bad("--first-run", v))?;
            }
            "--seed" => {
                let v = value("--seed")?;
                opts.seed = v.parse().map_err(|_| bad("--seed", v))?;
            }
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option {flag}\n{usage}"))
            }
            dir if out.is_none() => out = Some(PathBuf::from(dir)),
            extra => return Err(format!("unexpected argument {extra:?}\n{usage}")),
        }
    }
    let out = out.ok_or_else(|| usage.to_string())?;
    let t = std::time::Instant::now();
    let m = generate(&out, &opts)?;
    let nfiles: usize = m.files.values().map(Vec::len).sum();
    eprintln!(
        "veloview: wrote {} runs ({nfiles} files, {} with problems) to {} in {:.1} s",
        m.runs.len(),
        m.problems.len(),
        out.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn generate(out: &Path, opts: &Options) -> Result<Manifest, String> {
    if opts.runs == 0 || opts.runs > MAX_RUNS {
        return Err(format!("--runs must be between 1 and {MAX_RUNS}"));
    }
    if opts.first_run == 0 || opts.first_run.checked_add(opts.runs).is_none() {
        return Err("--first-run must be a positive run number".into());
    }
    let runs: Vec<u32> = (opts.first_run..opts.first_run + opts.runs).collect();
    let problems = choose_problems(&runs, opts.seed);
    let mut files = BTreeMap::new();
    let mut jobs = Vec::new();
    for (i, &run) in runs.iter().enumerate() {
        let dir = run_dir(out, run);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        // Runs an hour and a half apart; processing an hour after each run, and a reprocessing
        // of some runs a day later.
        let start = i as u64 * 5400;
        let mut passes = vec![start + 3600];
        if has_second_file(i, runs.len()) {
            passes.push(start + 3600 + 86400);
        }
        let mut names = Vec::new();
        for (pass, at) in passes.into_iter().enumerate() {
            let (date, time) = timestamp(at);
            let name = format!("VELODQM_{run}_{}_{}_NZS.root", date.0, time.0);
            jobs.push(FileJob {
                run,
                pass: pass as u64,
                path: dir.join(&name),
                name: name.clone(),
                datime: datime(
                    date.1[0], date.1[1], date.1[2], time.1[0], time.1[1], time.1[2],
                ),
            });
            names.push(name);
        }
        files.insert(run, names);
    }
    run_jobs(&jobs, opts, &problems)?;

    let list: String = runs.iter().map(|r| format!("{r}\n")).collect();
    write(&out.join(RUN_LIST), list.as_bytes())?;
    write(&out.join(RUN_INFO), run_info::csv(&runs).as_bytes())?;
    let manifest = Manifest {
        seed: opts.seed,
        runs,
        files,
        problems,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    write(&out.join(MANIFEST), &json)?;
    Ok(manifest)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Files are independent, so both cores (or more) share them; each job's bytes depend only on
/// its run and pass, never on which thread made it.
fn run_jobs(jobs: &[FileJob], opts: &Options, problems: &[Problem]) -> Result<(), String> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> Result<(), String> {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else {
                            return Ok(());
                        };
                        write_file(job, opts, problems)?;
                    }
                })
            })
            .collect();
        workers.into_iter().try_for_each(|w| {
            w.join()
                .unwrap_or_else(|_| Err("a generator thread panicked".into()))
        })
    })
}

fn write_file(job: &FileJob, opts: &Options, problems: &[Problem]) -> Result<(), String> {
    let mine: Vec<Problem> = problems
        .iter()
        .filter(|p| p.run == job.run)
        .cloned()
        .collect();
    // Both passes of a run see the same events.
    let events = 10000.0 + Rng::derive(opts.seed, job.run as u64, 99).below(5000) as f64;
    let spec = run_file::RunSpec {
        run: job.run,
        seed: opts.seed,
        pass: job.pass,
        events,
        problems: &mine,
        file_name: &job.name,
        datime: job.datime,
    };
    let bytes = run_file::build(&spec).map_err(|e| format!("run {}: {e}", job.run))?;
    write(&job.path, &bytes)
}

/// About one run in six is processed twice; never the first, so small datasets stay simple.
fn has_second_file(index: usize, n: usize) -> bool {
    n >= 3 && index % 6 == 2
}

/// One noisy sensor, one chip of dead strips and one shifted pedestal, spread over the runs.
fn choose_problems(runs: &[u32], seed: u64) -> Vec<Problem> {
    let mut rng = Rng::derive(seed, 0x9e0b, 0);
    let sensors: Vec<u32> = sensor::sensors().collect();
    let n = runs.len();
    let kinds = [
        (ProblemKind::NoisySensor, n / 4),
        (ProblemKind::DeadStrips, n / 2),
        (ProblemKind::ShiftedPedestal, (3 * n) / 4),
    ];
    let mut out = Vec::new();
    for (kind, index) in kinds {
        if n < 4 {
            break;
        }
        let sensor = sensors[rng.below(sensors.len() as u64) as usize];
        let (channels, detail) = match kind {
            ProblemKind::DeadStrips => {
                let chip = rng.below(sensor::CHIPS as u64) as usize;
                let lo = chip * sensor::CHIP_CHANNELS;
                (
                    [lo, lo + sensor::CHIP_CHANNELS - 1],
                    format!(
                        "chip {chip} (channels {lo}-{}) dead: no noise, no hits, links off",
                        lo + 127
                    ),
                )
            }
            ProblemKind::NoisySensor => (
                [0, 2047],
                "noise three times the usual on every channel".into(),
            ),
            ProblemKind::ShiftedPedestal => (
                [0, 2047],
                "pedestals 45 ADC counts above the usual 512".into(),
            ),
        };
        out.push(Problem {
            run: runs[index],
            sensor,
            kind,
            channels,
            detail,
        });
    }
    out
}

/// ("YYYY-MM-DD", [y, m, d]) and ("HH.MM.SS", [h, m, s]) of a time `secs` after the demo epoch
/// (2015-06-01 00:00 UTC), in the original file names' format.
fn timestamp(secs: u64) -> ((String, [u32; 3]), (String, [u32; 3])) {
    // Days since 1970-01-01 of 2015-06-01.
    const EPOCH_DAYS: i64 = 16587;
    let days = EPOCH_DAYS + (secs / 86400) as i64;
    let rem = (secs % 86400) as u32;
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (rem / 3600, rem / 60 % 60, rem % 60);
    (
        (format!("{y:04}-{m:02}-{d:02}"), [y, m, d]),
        (format!("{hh:02}.{mm:02}.{ss:02}"), [hh, mm, ss]),
    )
}

/// Gregorian date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (u32, u32, u32) {
    let (y, m, d) = crate::runview::run_info::civil_from_days(z);
    (y as u32, m as u32, d as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_gregorian() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(16587), (2015, 6, 1));
        let ((d, _), (t, _)) = timestamp(86400 * 30 + 3723);
        assert_eq!((d.as_str(), t.as_str()), ("2015-07-01", "01.02.03"));
    }

    #[test]
    fn problems_land_on_distinct_runs() {
        let runs: Vec<u32> = (100..120).collect();
        let p = choose_problems(&runs, 5);
        assert_eq!(p.len(), 3);
        assert!(p[0].run < p[1].run && p[1].run < p[2].run);
        assert!(choose_problems(&runs[..2], 5).is_empty());
    }
}
