//! The data-quality configuration (`config/dq.toml`): the combiner tree, which histogram each
//! leaf judges with which check, its thresholds, and what is trended per run.
//!
//! The file is read strictly: an unknown field, an unknown check, bad check arguments or a bad
//! path template is an error at load that names the node (its dotted key) and the field, so a
//! typo fails at start-up instead of silently judging nothing. The format is documented in
//! docs/DATA_QUALITY.md.

use super::checks::Check;
use crate::runview::sensors::{PHI_SENSORS, PILE_UP_SENSORS, R_SENSORS};
use crate::runview::template::Template;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::Path;

/// The original's `STANDARD_BRANCH_DICT`: 1 error → WARNING, 2 → ERROR; 5 warnings (errors
/// included) → WARNING, 10 → ERROR.
pub const BRANCH_LIMITS: Limits = Limits {
    min_ww: 5,
    min_we: 10,
    min_ew: 1,
    min_ee: 2,
};
/// The original's master combiner.
pub const TOP_LIMITS: Limits = Limits {
    min_ww: 10,
    min_we: 25,
    min_ew: 1,
    min_ee: 2,
};
/// A score-only check's leaf is ERROR below this score...
pub const ERROR_THRESHOLD: f64 = 50.0;
/// ...and WARNING below this one (the later veloview's `errThreshold`/`warnThreshold`).
pub const WARNING_THRESHOLD: f64 = 80.0;

/// Largest configuration file read: a tree of hundreds of leaves is a few tens of KiB.
const MAX_FILE_BYTES: u64 = 4 << 20;

/// How many leaf outcomes make a branch WARNING or ERROR (the original's minWW, minWE, minEW,
/// minEE): `warnings` counts leaves at WARNING or ERROR, `errors` leaves at ERROR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// WARNING from this many warnings (errors included)...
    pub min_ww: u32,
    /// ...ERROR from this many.
    pub min_we: u32,
    /// WARNING from this many errors...
    pub min_ew: u32,
    /// ...ERROR from this many.
    pub min_ee: u32,
}

/// Which sensors a per-sensor leaf is expanded over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SensorSet {
    R,
    Phi,
    #[serde(rename = "both")]
    Both,
    #[serde(rename = "pileup")]
    PileUp,
}

impl SensorSet {
    pub fn sensors(self) -> Vec<u32> {
        match self {
            SensorSet::R => R_SENSORS.collect(),
            SensorSet::Phi => PHI_SENSORS.collect(),
            SensorSet::Both => R_SENSORS.chain(PHI_SENSORS).collect(),
            SensorSet::PileUp => PILE_UP_SENSORS.collect(),
        }
    }
}

/// A quantity trended per run from a leaf's histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    /// `GetMean()` along x.
    Mean,
    /// `GetRMS()` along x.
    Rms,
    /// Mean of the bin contents whose bin centre lies in (0, 42): the R sensors, for
    /// histograms against sensor number.
    MeanR,
    /// ... in (63, 106): the Φ sensors.
    MeanPhi,
    /// Mean of the positive bin contents (A side, for histograms signed by side).
    MeanA,
    /// Mean of the negative bin contents (C side).
    MeanC,
    /// Mean of the bin contents (for a profile, of the bin means): the average pedestal, noise
    /// or occupancy of a per-channel histogram, where `mean` would be the mean channel number.
    MeanContent,
    /// RMS of the bin contents about their mean.
    RmsContent,
    /// The histogram's number of entries: of one filled once an event (clusters per event),
    /// the run's events, which say how far its statistics go.
    Entries,
}

impl Quantity {
    pub fn as_str(self) -> &'static str {
        match self {
            Quantity::Mean => "mean",
            Quantity::Rms => "rms",
            Quantity::MeanR => "mean_r",
            Quantity::MeanPhi => "mean_phi",
            Quantity::MeanA => "mean_a",
            Quantity::MeanC => "mean_c",
            Quantity::MeanContent => "mean_content",
            Quantity::RmsContent => "rms_content",
            Quantity::Entries => "entries",
        }
    }
}

/// A node of the configured tree.
#[derive(Debug, Clone)]
pub enum Node {
    Branch(Branch),
    Leaf(Box<Leaf>),
}

impl Node {
    pub fn key(&self) -> &str {
        match self {
            Node::Branch(b) => &b.key,
            Node::Leaf(l) => &l.key,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Branch {
    /// Dotted path from the top ("" for the top node).
    pub key: String,
    pub title: String,
    pub weight: f64,
    pub limits: Limits,
    /// Whether a failing reference leaf of this branch first asks if the reference run itself
    /// passes the branch's reference-free leaves there (docs/DATA_QUALITY.md, "A reference that
    /// is itself bad"). Off by default, as in the original.
    pub vet_reference: bool,
    /// Leaves first, then sub-branches, each in file order.
    pub children: Vec<Node>,
}

#[derive(Debug, Clone)]
pub struct Leaf {
    pub key: String,
    pub title: String,
    pub weight: f64,
    /// The histogram's path template as written (`{0}`/`{0:03d}` = sensor number).
    pub path: String,
    pub template: Template,
    /// Set for a per-sensor leaf: it becomes a branch with one leaf per sensor.
    pub sensors: Option<SensorSet>,
    /// The limits of the branch a per-sensor leaf expands to.
    pub limits: Limits,
    pub check_name: String,
    /// The check's arguments as configured (TOML converted to JSON).
    pub args: Value,
    pub check: Check,
    /// For score-only checks: ERROR below this score, WARNING below `warning_threshold`.
    pub error_threshold: f64,
    pub warning_threshold: f64,
    /// Whether the check compares with the reference run's histogram.
    pub reference: bool,
    pub trend: Vec<Quantity>,
}

/// The parsed configuration.
#[derive(Debug, Clone)]
pub struct DqConfig {
    /// The top node: key "", its children the subsystems.
    pub root: Branch,
    /// Where it was read from, for messages.
    pub origin: String,
    digest: String,
}

// The file's shape. Children are read by hand (see `branch`), so that an error names the node.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBranch {
    #[serde(default)]
    key: Option<String>,
    title: String,
    #[serde(default = "one")]
    weight: f64,
    min_ww: Option<u32>,
    min_we: Option<u32>,
    min_ew: Option<u32>,
    min_ee: Option<u32>,
    #[serde(default)]
    vet_reference: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLeaf {
    key: String,
    title: String,
    #[serde(default = "one")]
    weight: f64,
    path: String,
    sensors: Option<SensorSet>,
    check: String,
    #[serde(default)]
    args: Option<toml::Value>,
    error_threshold: Option<f64>,
    warning_threshold: Option<f64>,
    #[serde(default)]
    reference: bool,
    #[serde(default)]
    trend: Vec<Quantity>,
    min_ww: Option<u32>,
    min_we: Option<u32>,
    min_ew: Option<u32>,
    min_ee: Option<u32>,
}

fn one() -> f64 {
    1.0
}

impl DqConfig {
    /// Read and check `path`; the error names the file, the node and the field.
    pub fn load(path: &Path) -> Result<DqConfig, String> {
        let origin = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {origin}: {e}"))?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(format!(
                "{origin}: larger than {} MiB, not a data-quality configuration",
                MAX_FILE_BYTES >> 20
            ));
        }
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {origin}: {e}"))?;
        DqConfig::parse(&text, &origin)
    }

    /// Parse a configuration; `origin` (a file name) starts every error message.
    pub fn parse(text: &str, origin: &str) -> Result<DqConfig, String> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| format!("{origin}: {e}"))?;
        let root = branch(table, "", true).map_err(|e| format!("{origin}: {e}"))?;
        if root.children.is_empty() {
            return Err(format!(
                "{origin}: no [[branch]] or [[leaf]]: nothing to evaluate"
            ));
        }
        let digest = digest_of(&root);
        Ok(DqConfig {
            root,
            origin: origin.to_string(),
            digest,
        })
    }

    /// A stable hash of the normalised configuration (defaults filled in, comments and layout
    /// ignored): a run evaluated under another digest was judged by other rules.
    pub fn digest(&self) -> String {
        self.digest.clone()
    }

    /// Every leaf, per-sensor leaves unexpanded, in tree order.
    pub fn leaves(&self) -> Vec<&Leaf> {
        fn walk<'a>(b: &'a Branch, out: &mut Vec<&'a Leaf>) {
            for c in &b.children {
                match c {
                    Node::Leaf(l) => out.push(&**l),
                    Node::Branch(b) => walk(b, out),
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }
}

fn where_(key: &str) -> String {
    if key.is_empty() {
        "top node".to_string()
    } else {
        format!("node {key:?}")
    }
}

fn child_key(parent: &str, own: &str) -> String {
    if parent.is_empty() {
        own.to_string()
    } else {
        format!("{parent}.{own}")
    }
}

/// A node's own key: what URLs, the store and trend names use.
fn check_own_key(parent: &str, key: &str) -> Result<(), String> {
    let ok = !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{}: key {key:?}: 1-64 of A-Z, a-z, 0-9, '_' and '-'",
            where_(parent).replace("top node", "a child of the top node")
        ))
    }
}

/// Take the array of tables `field` out of `table`.
fn take_tables(table: &mut toml::Table, field: &str, at: &str) -> Result<Vec<toml::Table>, String> {
    match table.remove(field) {
        None => Ok(Vec::new()),
        Some(toml::Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                toml::Value::Table(t) => Ok(t),
                _ => Err(format!(
                    "{at}: field `{field}`: expected [[{field}]] tables"
                )),
            })
            .collect(),
        Some(_) => Err(format!(
            "{at}: field `{field}`: expected [[{field}]] tables"
        )),
    }
}

/// The key a child table declares, before the rest is read (so errors can name it).
fn declared_key(table: &toml::Table, parent: &str, kind: &str) -> Result<String, String> {
    match table.get("key") {
        Some(toml::Value::String(k)) => {
            check_own_key(parent, k)?;
            Ok(child_key(parent, k))
        }
        Some(_) => Err(format!(
            "{}: a {kind}'s `key` must be a string",
            where_(parent)
        )),
        None => Err(format!("{}: a {kind} without `key`", where_(parent))),
    }
}

fn field_error(at: &str, e: toml::de::Error) -> String {
    // The deserializer's message already names the field ("unknown field `x`, expected ...").
    format!("{at}: {}", e.message().trim())
}

fn limits(
    at: &str,
    default: Limits,
    ww: Option<u32>,
    we: Option<u32>,
    ew: Option<u32>,
    ee: Option<u32>,
) -> Result<Limits, String> {
    let l = Limits {
        min_ww: ww.unwrap_or(default.min_ww),
        min_we: we.unwrap_or(default.min_we),
        min_ew: ew.unwrap_or(default.min_ew),
        min_ee: ee.unwrap_or(default.min_ee),
    };
    // A limit of 0 would make the node WARNING or ERROR with nothing wrong.
    if l.min_ww == 0 || l.min_ew == 0 {
        return Err(format!("{at}: min_ww and min_ew must be at least 1"));
    }
    if l.min_we < l.min_ww {
        return Err(format!(
            "{at}: min_we ({}) is below min_ww ({})",
            l.min_we, l.min_ww
        ));
    }
    if l.min_ee < l.min_ew {
        return Err(format!(
            "{at}: min_ee ({}) is below min_ew ({})",
            l.min_ee, l.min_ew
        ));
    }
    Ok(l)
}

fn weight(at: &str, w: f64) -> Result<f64, String> {
    if w.is_finite() && w > 0.0 && w <= 1e6 {
        Ok(w)
    } else {
        Err(format!(
            "{at}: field `weight`: {w} is not a positive number"
        ))
    }
}

fn branch(mut table: toml::Table, key: &str, top: bool) -> Result<Branch, String> {
    let at = where_(key);
    let leaves = take_tables(&mut table, "leaf", &at)?;
    let branches = take_tables(&mut table, "branch", &at)?;
    if top && !table.contains_key("title") {
        table.insert("title".into(), toml::Value::String("VELO".into()));
    }
    if top && table.contains_key("key") {
        return Err("top node: field `key`: the top node's key is always \"\"".into());
    }
    let raw: RawBranch = toml::Value::Table(table)
        .try_into()
        .map_err(|e| field_error(&at, e))?;
    let _ = raw.key; // read by `declared_key`, kept in RawBranch so it is a known field
    let default = if top { TOP_LIMITS } else { BRANCH_LIMITS };
    let limits = limits(&at, default, raw.min_ww, raw.min_we, raw.min_ew, raw.min_ee)?;
    let mut children = Vec::new();
    for t in leaves {
        let k = declared_key(&t, key, "leaf")?;
        children.push(Node::Leaf(Box::new(leaf(t, &k)?)));
    }
    for t in branches {
        let k = declared_key(&t, key, "branch")?;
        let b = branch(t, &k, false)?;
        if b.children.is_empty() {
            return Err(format!(
                "{}: a branch without [[leaf]] or [[branch]]",
                where_(&k)
            ));
        }
        children.push(Node::Branch(b));
    }
    for (i, c) in children.iter().enumerate() {
        if children[..i].iter().any(|o| o.key() == c.key()) {
            return Err(format!("{}: key used twice", where_(c.key())));
        }
    }
    Ok(Branch {
        key: key.to_string(),
        title: raw.title,
        weight: weight(&at, raw.weight)?,
        limits,
        vet_reference: raw.vet_reference,
        children,
    })
}

fn leaf(table: toml::Table, key: &str) -> Result<Leaf, String> {
    let at = where_(key);
    let raw: RawLeaf = toml::Value::Table(table)
        .try_into()
        .map_err(|e| field_error(&at, e))?;
    let _ = raw.key; // read by `declared_key`, kept in RawLeaf so it is a known field
    let template = Template::parse(&raw.path).map_err(|e| format!("{at}: field `path`: {e}"))?;
    match (raw.sensors.is_some(), template.uses_sensor()) {
        (true, false) => {
            return Err(format!(
                "{at}: field `sensors`: the path {:?} does not use the sensor number ({{0}} or {{0:03d}})",
                raw.path
            ))
        }
        (false, true) => {
            return Err(format!(
                "{at}: field `path`: {:?} uses the sensor number, so the leaf needs `sensors` (\"R\", \"Phi\", \"both\" or \"pileup\")",
                raw.path
            ))
        }
        _ => {}
    }
    let args = match &raw.args {
        None => Value::Null,
        Some(v) => toml_to_json(v).map_err(|e| format!("{at}: field `args`: {e}"))?,
    };
    let check =
        Check::parse(&raw.check, &args).map_err(|e| format!("{at}: field `check`/`args`: {e}"))?;
    if check.uses_reference() != raw.reference {
        return Err(format!(
            "{at}: field `reference`: check {:?} {} the reference run; set reference = {}",
            raw.check,
            if check.uses_reference() {
                "compares with"
            } else {
                "does not use"
            },
            check.uses_reference()
        ));
    }
    let error_threshold = raw.error_threshold.unwrap_or(ERROR_THRESHOLD);
    let warning_threshold = raw.warning_threshold.unwrap_or(WARNING_THRESHOLD);
    let in_range = |v: f64| (0.0..=100.0).contains(&v);
    if !in_range(error_threshold) || !in_range(warning_threshold) {
        return Err(format!(
            "{at}: fields `error_threshold`/`warning_threshold`: scores are in [0, 100]"
        ));
    }
    if error_threshold > warning_threshold {
        return Err(format!(
            "{at}: field `error_threshold` ({error_threshold}) is above `warning_threshold` ({warning_threshold})"
        ));
    }
    for (i, q) in raw.trend.iter().enumerate() {
        if raw.trend[..i].contains(q) {
            return Err(format!(
                "{at}: field `trend`: {:?} listed twice",
                q.as_str()
            ));
        }
    }
    let expansion_set = raw.min_ww.is_some()
        || raw.min_we.is_some()
        || raw.min_ew.is_some()
        || raw.min_ee.is_some();
    if expansion_set && raw.sensors.is_none() {
        return Err(format!(
            "{at}: min_ww/min_we/min_ew/min_ee apply to per-sensor leaves only (set `sensors`)"
        ));
    }
    Ok(Leaf {
        key: key.to_string(),
        title: raw.title,
        weight: weight(&at, raw.weight)?,
        limits: limits(
            &at,
            BRANCH_LIMITS,
            raw.min_ww,
            raw.min_we,
            raw.min_ew,
            raw.min_ee,
        )?,
        path: raw.path,
        template,
        sensors: raw.sensors,
        check_name: raw.check,
        args,
        check,
        error_threshold,
        warning_threshold,
        reference: raw.reference,
        trend: raw.trend,
    })
}

/// TOML has dates JSON has not; nothing a check takes is a date.
fn toml_to_json(v: &toml::Value) -> Result<Value, String> {
    Ok(match v {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => json!(i),
        toml::Value::Float(f) if f.is_finite() => json!(f),
        toml::Value::Float(f) => return Err(format!("{f} is not a finite number")),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => return Err(format!("{d}: dates are not check arguments")),
        toml::Value::Array(a) => {
            Value::Array(a.iter().map(toml_to_json).collect::<Result<_, _>>()?)
        }
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| Ok((k.clone(), toml_to_json(v)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

/// The canonical form hashed by `digest`: every setting after defaults, in tree order.
fn canonical(b: &Branch) -> Value {
    let children: Vec<Value> = b
        .children
        .iter()
        .map(|c| match c {
            Node::Branch(b) => canonical(b),
            Node::Leaf(l) => json!({
                "key": l.key, "title": l.title, "weight": l.weight, "path": l.path,
                // The check's canonical arguments: its defaults written out or not, the same.
                "sensors": l.sensors, "limits": l.limits, "check": l.check.name(),
                "args": l.check.args(), "error_threshold": l.error_threshold,
                "warning_threshold": l.warning_threshold, "reference": l.reference,
                "trend": l.trend,
            }),
        })
        .collect();
    let mut c = json!({
        "key": b.key, "title": b.title, "weight": b.weight, "limits": b.limits,
        "children": children,
    });
    // Written only when set, so that configurations without it keep their digests.
    if b.vet_reference {
        c["vet_reference"] = Value::Bool(true);
    }
    c
}

fn digest_of(root: &Branch) -> String {
    // serde_json's maps are sorted by key, so the text is canonical; two XXH64 seeds give 128
    // bits, ample for telling configurations apart (this is not a security hash).
    let text = canonical(root).to_string();
    let a = twox_hash::XxHash64::oneshot(0x7665_6c6f, text.as_bytes());
    let b = twox_hash::XxHash64::oneshot(0x6471_6366, text.as_bytes());
    format!("{a:016x}{b:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
title = "VELO"

[[branch]]
key = "noise"
title = "Noise"

[[branch.leaf]]
key = "level"
title = "Mean noise"
path = "Vetra/NoiseMon/DecodedADC/TELL1_{0:03d}/RMSNoise_vs_ChipChannel"
sensors = "R"
check = "floor"
args = 1.0
trend = ["mean_content"]

[[branch.branch]]
key = "sub"
title = "Sub"
min_ww = 2
min_we = 3

[[branch.branch.leaf]]
key = "clusters"
title = "Clusters"
path = "Velo/VeloClusterMonitor/# VELO clusters"
check = "ceiling"
args = 1000
weight = 2.0
"#;

    fn err(text: &str) -> String {
        DqConfig::parse(text, "dq.toml").unwrap_err()
    }

    #[test]
    fn a_good_file_with_defaults() {
        let c = DqConfig::parse(GOOD, "dq.toml").unwrap();
        assert_eq!(c.root.key, "");
        assert_eq!(c.root.limits, TOP_LIMITS);
        let Node::Branch(noise) = &c.root.children[0] else {
            panic!()
        };
        assert_eq!(noise.key, "noise");
        assert_eq!(noise.limits, BRANCH_LIMITS);
        let Node::Leaf(level) = &noise.children[0] else {
            panic!()
        };
        assert_eq!(level.key, "noise.level");
        assert_eq!(level.sensors, Some(SensorSet::R));
        assert_eq!(
            (level.error_threshold, level.warning_threshold),
            (50.0, 80.0)
        );
        assert_eq!(level.limits, BRANCH_LIMITS);
        assert_eq!(level.trend, [Quantity::MeanContent]);
        let Node::Branch(sub) = &noise.children[1] else {
            panic!()
        };
        assert_eq!(sub.key, "noise.sub");
        assert_eq!((sub.limits.min_ww, sub.limits.min_we), (2, 3));
        assert_eq!(c.leaves().len(), 2);
        assert_eq!(c.leaves()[1].key, "noise.sub.clusters");
        assert_eq!(c.leaves()[1].weight, 2.0);
    }

    #[test]
    fn the_digest_ignores_layout_and_follows_settings() {
        let a = DqConfig::parse(GOOD, "a").unwrap().digest();
        let spaced = format!(
            "# a comment\n{}",
            GOOD.replace("args = 1.0", "args   =   1.0")
        );
        assert_eq!(DqConfig::parse(&spaced, "b").unwrap().digest(), a);
        // A default written out is the same configuration.
        let explicit = GOOD.replace("sensors = \"R\"", "sensors = \"R\"\nerror_threshold = 50.0");
        assert_eq!(DqConfig::parse(&explicit, "c").unwrap().digest(), a);
        let dead = |args: &str| {
            GOOD.replace(
                "check = \"floor\"\nargs = 1.0",
                &format!("check = \"dead_channels\"\nargs = {args}"),
            )
        };
        // A check's default argument written out is the same configuration too.
        assert_eq!(
            DqConfig::parse(&dead("{}"), "e").unwrap().digest(),
            DqConfig::parse(&dead("{ warning_count = 20 }"), "f")
                .unwrap()
                .digest()
        );
        let changed = GOOD.replace("args = 1000", "args = 1001");
        assert_ne!(DqConfig::parse(&changed, "d").unwrap().digest(), a);
        // Vetting the reference is a setting of its branch, off unless asked for.
        let vetting = GOOD.replace(
            "title = \"Noise\"\n",
            "title = \"Noise\"\nvet_reference = true\n",
        );
        let v = DqConfig::parse(&vetting, "g").unwrap();
        assert_ne!(v.digest(), a);
        let Node::Branch(noise) = &v.root.children[0] else {
            panic!()
        };
        assert!(noise.vet_reference && !DqConfig::parse(GOOD, "a").unwrap().root.vet_reference);
        let bad = GOOD.replace(
            "title = \"Noise\"\n",
            "title = \"Noise\"\nvet_reference = 1\n",
        );
        assert!(DqConfig::parse(&bad, "h").is_err());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn errors_name_the_node_and_the_field() {
        let cases = [
            // An unknown field in a leaf, a branch and the top node.
            (
                GOOD.replace("trend = [", "trnd = 1\ntrend = ["),
                &["noise.level", "trnd"][..],
            ),
            (
                GOOD.replace("min_ww = 2", "min_wx = 2"),
                &["noise.sub", "min_wx"],
            ),
            (format!("colour = 1\n{GOOD}"), &["top node", "colour"]),
            // An unknown check, bad arguments.
            (
                GOOD.replace("check = \"floor\"", "check = \"flor\""),
                &["noise.level", "check", "flor"],
            ),
            (
                GOOD.replace("args = 1000", "args = \"high\""),
                &["noise.sub.clusters", "args"],
            ),
            // Templates: unsupported field, sensor number without `sensors` and vice versa.
            (
                GOOD.replace("TELL1_{0:03d}", "TELL1_{1}"),
                &["noise.level", "path", "{1}"],
            ),
            (
                GOOD.replace("sensors = \"R\"\n", ""),
                &["noise.level", "path", "sensors"],
            ),
            (
                GOOD.replace(
                    "path = \"Velo/VeloClusterMonitor/# VELO clusters\"",
                    "path = \"x\"\nsensors = \"both\"",
                ),
                &["noise.sub.clusters", "sensors"],
            ),
            (
                GOOD.replace("sensors = \"R\"", "sensors = \"Z\""),
                &["noise.level", "Z"],
            ),
            (
                GOOD.replace("trend = [\"mean_content\"]", "trend = [\"median\"]"),
                &["noise.level", "median"],
            ),
            // Reference flag disagreeing with the check.
            (
                GOOD.replace("args = 1000", "args = 1000\nreference = true"),
                &["noise.sub.clusters", "reference"],
            ),
            // Keys.
            (
                GOOD.replace("key = \"sub\"", "key = \"a.b\""),
                &["noise", "a.b"],
            ),
            (
                GOOD.replace("key = \"sub\"", "key = \"level\""),
                &["noise.level", "twice"],
            ),
            (
                GOOD.replace("key = \"level\"\n", ""),
                &["noise", "without `key`"],
            ),
            // Limits, weights and thresholds.
            (
                GOOD.replace("min_we = 3", "min_we = 1"),
                &["noise.sub", "min_we"],
            ),
            (
                GOOD.replace("weight = 2.0", "weight = -1.0"),
                &["noise.sub.clusters", "weight"],
            ),
            (
                GOOD.replace("args = 1000", "args = 1000\nerror_threshold = 90"),
                &["noise.sub.clusters", "error_threshold"],
            ),
            (
                GOOD.replace("args = 1000", "args = 1000\nmin_ww = 3"),
                &["noise.sub.clusters", "per-sensor"],
            ),
            // A TOML syntax error says where.
            (
                GOOD.replace("title = \"Sub\"", "title = Sub"),
                &["dq.toml", "line"],
            ),
        ];
        for (text, wanted) in cases {
            let e = err(&text);
            assert!(e.starts_with("dq.toml"), "{e}");
            for w in wanted {
                assert!(e.contains(w), "{wanted:?} not in: {e}");
            }
        }
        assert!(err("title = \"x\"").contains("nothing to evaluate"));
    }

    #[test]
    fn sensor_sets() {
        assert_eq!(SensorSet::R.sensors().len(), 42);
        assert_eq!(SensorSet::Phi.sensors()[0], 64);
        assert_eq!(SensorSet::Both.sensors().len(), 84);
        assert_eq!(SensorSet::PileUp.sensors(), [128, 129, 130, 131]);
    }

    #[test]
    fn load_names_the_file() {
        let e = DqConfig::load(Path::new("/nonexistent/dq.toml")).unwrap_err();
        assert!(e.contains("/nonexistent/dq.toml"), "{e}");
    }
}
