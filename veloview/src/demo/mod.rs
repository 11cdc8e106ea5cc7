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
    pub problems: Problems,
    /// Events in every run (a short run has few): the occupancies are hits over events. `None`:
    /// 10,000–15,000, drawn per run from the seed.
    pub events: Option<u32>,
}

/// Which problems the dataset carries.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Problems {
    /// The default set: each problem data quality must find, at the magnitude it must find it
    /// (see [`ProblemKind::default_magnitude`]), plus stronger versions of three of them, on
    /// distinct runs chosen from the seed, never the shipped reference runs.
    #[default]
    Default,
    /// Exactly these (`--problem`), or none (`--no-problems`).
    Explicit(Vec<ProblemSpec>),
}

/// A problem asked for on the command line: `KIND:RUN[:SENSOR[:FIRST-LAST]][=MAGNITUDE]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemSpec {
    pub kind: ProblemKind,
    pub run: u32,
    /// Chosen from the seed when not given (per-sensor kinds only).
    pub sensor: Option<u32>,
    /// The chip channels affected, first and last: a link (32) or a chip (128) instead of the
    /// whole sensor. Dead strips take their count from it.
    pub channels: Option<[usize; 2]>,
    /// The kind's default magnitude when not given.
    pub magnitude: Option<f64>,
}

impl ProblemSpec {
    pub fn parse(text: &str) -> Result<ProblemSpec, String> {
        let kinds: Vec<&str> = ProblemKind::ALL.iter().map(|k| k.name()).collect();
        let bad = |why: String| {
            format!(
                "--problem {text:?}: {why} (KIND:RUN[:SENSOR[:FIRST-LAST]][=MAGNITUDE], KIND one of {})",
                kinds.join(", ")
            )
        };
        let (head, magnitude) = match text.split_once('=') {
            Some((h, m)) => {
                let v: f64 = m
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite())
                    .ok_or_else(|| bad(format!("magnitude {m:?} is not a number")))?;
                (h, Some(v))
            }
            None => (text, None),
        };
        let parts: Vec<&str> = head.split(':').collect();
        if !(2..=4).contains(&parts.len()) {
            return Err(bad(
                "expected KIND:RUN, KIND:RUN:SENSOR or KIND:RUN:SENSOR:FIRST-LAST".into(),
            ));
        }
        let kind = ProblemKind::parse(parts[0])
            .ok_or_else(|| bad(format!("unknown kind {:?}", parts[0])))?;
        let number = |t: &str, what: &str| -> Result<u32, String> {
            Some(t)
                .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| bad(format!("{what} {t:?} is not a number")))
        };
        let run = number(parts[1], "run")?;
        let sensor = parts.get(2).map(|t| number(t, "sensor")).transpose()?;
        match sensor {
            Some(_) if !kind.per_sensor() => {
                return Err(bad(format!("{} is run-wide: no sensor", kind.name())))
            }
            Some(s) if !sensor::sensors().any(|x| x == s) => {
                return Err(bad(format!(
                    "the demo has sensors 0-41 and 64-105, not {s}"
                )))
            }
            _ => {}
        }
        let channels = match parts.get(3) {
            None => None,
            Some(t) => {
                let (lo, hi) = t
                    .split_once('-')
                    .ok_or_else(|| bad(format!("channels {t:?} are not FIRST-LAST")))?;
                let (lo, hi) = (number(lo, "channel")?, number(hi, "channel")?);
                if lo > hi || hi as usize >= sensor::CHANNELS {
                    return Err(bad(format!(
                        "channels {lo}-{hi}: a sensor has channels 0-{}, first before last",
                        sensor::CHANNELS - 1
                    )));
                }
                Some([lo as usize, hi as usize])
            }
        };
        if let (ProblemKind::DeadStrips, Some([lo, hi]), Some(m)) = (kind, channels, magnitude) {
            if m != (hi - lo + 1) as f64 {
                return Err(bad(format!(
                    "dead_strips on channels {lo}-{hi} are {} channels, not {m}",
                    hi - lo + 1
                )));
            }
        }
        if let Some(m) = magnitude {
            let (lo, hi) = kind.magnitude_range();
            if !(lo..=hi).contains(&m) {
                return Err(bad(format!(
                    "the magnitude of {} is between {lo} and {hi}",
                    kind.name()
                )));
            }
        }
        Ok(ProblemSpec {
            kind,
            run,
            sensor,
            channels,
            magnitude,
        })
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            runs: 20,
            first_run: 123970,
            seed: 1,
            problems: Problems::Default,
            events: None,
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

pub const USAGE: &str = "veloview demo-data OUT_DIR [--runs N] [--first-run R] [--seed S]
                    [--problem KIND:RUN[:SENSOR[:FIRST-LAST]][=MAGNITUDE]]... [--no-problems]
                    [--events N]";

/// `veloview demo-data OUT_DIR ...` (see [`USAGE`]): writes the dataset and says on stderr what
/// it wrote.
pub fn run_command(args: &[String]) -> Result<(), String> {
    let usage = format!("usage: {USAGE}");
    let mut out = None;
    let mut opts = Options::default();
    let mut explicit = Vec::new();
    let mut none = false;
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
            "--events" => {
                let v = value("--events")?;
                let n: u32 = v.parse().map_err(|_| bad("--events", v))?;
                if n == 0 {
                    return Err(format!("--events: a run needs at least one event\n{usage}"));
                }
                opts.events = Some(n);
            }
            "--problem" => explicit.push(ProblemSpec::parse(value("--problem")?)?),
            "--no-problems" => none = true,
            flag if flag.starts_with("--") => {
                return Err(format!("unknown option {flag}\n{usage}"))
            }
            dir if out.is_none() => out = Some(PathBuf::from(dir)),
            extra => return Err(format!("unexpected argument {extra:?}\n{usage}")),
        }
    }
    if none && !explicit.is_empty() {
        return Err(format!(
            "--no-problems and --problem exclude each other\n{usage}"
        ));
    }
    if none || !explicit.is_empty() {
        opts.problems = Problems::Explicit(explicit);
    }
    let out = out.ok_or(usage)?;
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
    let problems = match &opts.problems {
        Problems::Default => default_problems(&runs, opts.seed),
        Problems::Explicit(specs) => explicit_problems(&runs, opts.seed, specs)?,
    };
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
    let events = opts.events.map_or_else(
        || 10000.0 + Rng::derive(opts.seed, job.run as u64, 99).below(5000) as f64,
        f64::from,
    );
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

/// The runs `config/references.toml` ships as reference runs for the default dataset: no
/// default problem goes there, so the reference comparisons stay meaningful.
const SHIPPED_REFERENCES: [u32; 2] = [123970, 123981];

/// The default problems, in order: the five data quality must find at their threshold
/// magnitudes, then the stronger three the dataset always had (noise × 3, a dead chip,
/// pedestals + 45). One per run, spread over the runs but never the first (each period's
/// reference is its first run), the twelfth or a shipped reference run.
fn default_problems(runs: &[u32], seed: u64) -> Vec<Problem> {
    let mut rng = Rng::derive(seed, 0x9e0b, 0);
    let specs = [
        (ProblemKind::DeadStrips, 64.0),
        (ProblemKind::NoisySensor, 1.5),
        (ProblemKind::ShiftedPedestal, 15.0),
        (ProblemKind::LowClusters, 0.6),
        (ProblemKind::HighOccupancy, 4.0),
        (ProblemKind::NoisySensor, 3.0),
        (ProblemKind::DeadStrips, 128.0),
        (ProblemKind::ShiftedPedestal, 45.0),
    ];
    if runs.len() < 4 {
        return Vec::new();
    }
    let candidates: Vec<u32> = runs
        .iter()
        .enumerate()
        .filter(|&(i, r)| i != 0 && i != 11 && !SHIPPED_REFERENCES.contains(r))
        .map(|(_, &r)| r)
        .collect();
    let n = specs.len().min(candidates.len());
    (0..n)
        .map(|k| {
            let run = candidates[(2 * k + 1) * candidates.len() / (2 * n)];
            let (kind, magnitude) = specs[k];
            make_problem(kind, run, None, None, magnitude, &mut rng)
        })
        .collect()
}

/// The problems asked for, each checked against the dataset's runs.
fn explicit_problems(
    runs: &[u32],
    seed: u64,
    specs: &[ProblemSpec],
) -> Result<Vec<Problem>, String> {
    let mut rng = Rng::derive(seed, 0x9e0c, 0);
    specs
        .iter()
        .map(|s| {
            if !runs.contains(&s.run) {
                return Err(format!(
                    "--problem {}:{}: run {} is not in the dataset ({}-{})",
                    s.kind.name(),
                    s.run,
                    s.run,
                    runs[0],
                    runs[runs.len() - 1]
                ));
            }
            let magnitude = match (s.kind, s.channels) {
                (ProblemKind::DeadStrips, Some([lo, hi])) => (hi - lo + 1) as f64,
                _ => s.magnitude.unwrap_or(s.kind.default_magnitude()),
            };
            Ok(make_problem(
                s.kind, s.run, s.sensor, s.channels, magnitude, &mut rng,
            ))
        })
        .collect()
}

/// One problem; a per-sensor one without a sensor gets one from `rng`, dead strips without
/// channels a position. `channels` narrows a per-sensor problem to part of the sensor.
fn make_problem(
    kind: ProblemKind,
    run: u32,
    sensor: Option<u32>,
    channels: Option<[usize; 2]>,
    magnitude: f64,
    rng: &mut Rng,
) -> Problem {
    let all: Vec<u32> = sensor::sensors().collect();
    let sensor = kind
        .per_sensor()
        .then(|| sensor.unwrap_or_else(|| all[rng.below(all.len() as u64) as usize]));
    let whole = Some([0, sensor::CHANNELS - 1]);
    let part = channels.filter(|_| kind.per_sensor());
    let on = match part {
        Some([lo, hi]) => format!("on channels {lo}-{hi}"),
        None => "on every channel".to_string(),
    };
    let (channels, detail) = match kind {
        ProblemKind::DeadStrips => {
            let n = (magnitude.round() as usize).clamp(1, sensor::CHANNELS);
            let [lo, hi] = part.unwrap_or_else(|| {
                // A whole number of chips starts on a chip boundary, as a dead Beetle would;
                // anything else anywhere.
                let lo = if n.is_multiple_of(sensor::CHIP_CHANNELS) {
                    let chips = sensor::CHIPS - n / sensor::CHIP_CHANNELS + 1;
                    rng.below(chips as u64) as usize * sensor::CHIP_CHANNELS
                } else {
                    rng.below((sensor::CHANNELS - n + 1) as u64) as usize
                };
                [lo, lo + n - 1]
            });
            (
                Some([lo, hi]),
                format!(
                    "{} adjacent channels ({lo}-{hi}) dead: noise about 0, no hits, links off",
                    hi - lo + 1
                ),
            )
        }
        ProblemKind::NoisySensor => (
            part.or(whole),
            format!("noise {magnitude} times the usual {on}, with noise hits"),
        ),
        ProblemKind::ShiftedPedestal => (
            part.or(whole),
            match part {
                Some(_) => format!("pedestals {magnitude} ADC counts above the usual 512 {on}"),
                None => format!("pedestals {magnitude} ADC counts above the usual 512"),
            },
        ),
        ProblemKind::LowClusters => (
            None,
            format!("{magnitude} times the usual number of clusters per event"),
        ),
        ProblemKind::HighOccupancy => (
            part.or(whole),
            format!("occupancy {magnitude} times the usual {on}"),
        ),
    };
    Problem {
        run,
        sensor,
        kind,
        channels,
        magnitude,
        detail,
    }
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
        let runs: Vec<u32> = (123970..123990).collect();
        let p = default_problems(&runs, 5);
        assert_eq!(p.len(), 8);
        assert!(p.windows(2).all(|w| w[0].run < w[1].run));
        assert!(p.iter().all(|p| !SHIPPED_REFERENCES.contains(&p.run)));
        assert!(default_problems(&runs[..2], 5).is_empty());
        let few = default_problems(&runs[..5], 5);
        assert_eq!(few.len(), 4);
        assert!(few.iter().all(|p| p.run != runs[0]));
    }

    #[test]
    fn problem_specs() {
        let s = ProblemSpec::parse("dead_strips:123975:64=100").unwrap();
        assert_eq!(
            (s.kind, s.run, s.sensor, s.magnitude),
            (ProblemKind::DeadStrips, 123975, Some(64), Some(100.0))
        );
        let s = ProblemSpec::parse("low_clusters:5").unwrap();
        assert_eq!((s.sensor, s.magnitude), (None, None));
        let s = ProblemSpec::parse("noisy_sensor:5:70:256-287=2").unwrap();
        assert_eq!(
            (s.sensor, s.channels, s.magnitude),
            (Some(70), Some([256, 287]), Some(2.0))
        );
        for bad in [
            "low_clusters:5:3",
            "noisy:5",
            "noisy_sensor",
            "noisy_sensor:5:50",
            "noisy_sensor:x",
            "noisy_sensor:5:1:2",
            "high_occupancy:5=much",
            "high_occupancy:5=-1",
            "noisy_sensor:5:1:300",
            "noisy_sensor:5:1:300-200",
            "noisy_sensor:5:1:0-2048",
            "noisy_sensor:5:1:a-b",
            "noisy_sensor:5:1:0-31:9",
            "dead_strips:5:1:0-31=64",
        ] {
            let e = ProblemSpec::parse(bad).unwrap_err();
            assert!(e.contains(bad), "{bad}: {e}");
        }
        let runs: Vec<u32> = (10..20).collect();
        let specs = [ProblemSpec::parse("dead_strips:12").unwrap()];
        let p = explicit_problems(&runs, 1, &specs).unwrap();
        let [lo, hi] = p[0].channels.unwrap();
        assert_eq!(hi - lo + 1, 64);
        assert!(p[0].sensor.is_some());
        // Channels narrow a problem to a link or a chip; dead strips take their count from them.
        let specs = [
            ProblemSpec::parse("shifted_pedestal:12:3:128-255=-15").unwrap(),
            ProblemSpec::parse("dead_strips:13:64:32-63").unwrap(),
        ];
        let p = explicit_problems(&runs, 1, &specs).unwrap();
        assert_eq!((p[0].channels, p[0].magnitude), (Some([128, 255]), -15.0));
        assert!(
            p[0].detail.ends_with("on channels 128-255"),
            "{}",
            p[0].detail
        );
        assert_eq!((p[1].channels, p[1].magnitude), (Some([32, 63]), 32.0));
        let specs = [ProblemSpec::parse("dead_strips:99").unwrap()];
        assert!(explicit_problems(&runs, 1, &specs)
            .unwrap_err()
            .contains("99"));
    }
}
