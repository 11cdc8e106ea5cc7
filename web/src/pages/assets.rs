//! Static files: the pages' own script, style sheet and icon (compiled in) and the JSROOT bundle
//! the run view draws with (read once at start-up from the npm install). All are held in memory,
//! precompressed (brotli and gzip), and served from a table: nothing in a URL reaches the file
//! system.
//!
//! Pages link each file by a versioned URL, `/static/{dir}/{hash}/{file}` with a hash of the
//! content, cached by browsers for a year: a new release has new URLs, so nobody keeps a stale
//! script. The plain `/static/{dir}/{file}` stays for anything that links it by name, revalidated
//! on every use.

use super::PagesState;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use std::collections::HashMap;
use std::hash::Hasher;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The JSROOT bundle the pages load: JSROOT's histogram painters (TH1, TH2) plus its graph
/// painters for the trends, built by `npm run prepare` (web/jsroot-bundle); a quarter of the full build.
pub const JSROOT_BUNDLE: &str = "jsroot-velo.min.js";

const OWN: &[(&str, &[u8])] = &[
    (
        "velo_monitor.js",
        include_bytes!("../../static/velo_monitor.js"),
    ),
    (
        "plot_sketch.js",
        include_bytes!("../../static/plot_sketch.js"),
    ),
    (
        "dq_overview.js",
        include_bytes!("../../static/dq_overview.js"),
    ),
    ("dq_run.js", include_bytes!("../../static/dq_run.js")),
    ("plot_dq.js", include_bytes!("../../static/plot_dq.js")),
    ("dq_plot.js", include_bytes!("../../static/dq_plot.js")),
    ("dq_trends.js", include_bytes!("../../static/dq_trends.js")),
    ("dq_sensor.js", include_bytes!("../../static/dq_sensor.js")),
    (
        "dq_detailed.js",
        include_bytes!("../../static/dq_detailed.js"),
    ),
    (
        "run_selector.js",
        include_bytes!("../../static/run_selector.js"),
    ),
    (
        "velo_monitor.css",
        include_bytes!("../../static/velo_monitor.css"),
    ),
    ("favicon.svg", include_bytes!("../../static/favicon.svg")),
    (
        "alarm_badge.js",
        include_bytes!("../../static/alarm_badge.js"),
    ),
    ("alarms.js", include_bytes!("../../static/alarms.js")),
];

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

/// One file in its three encodings; brotli is filled in by a background thread (it is slow to
/// make), and served once there.
struct Asset {
    mime: &'static str,
    hash: String,
    identity: Bytes,
    gzip: Bytes,
    brotli: OnceLock<Bytes>,
}

/// The static files by `dir/file`, and the ones that should be there but are not.
pub struct Assets {
    files: HashMap<String, Arc<Asset>>,
    missing: Vec<String>,
}

impl Assets {
    /// Our own files, and JSROOT's bundle from `jsroot_dir`; brotli versions are made in the
    /// background.
    pub fn load(jsroot_dir: &Path) -> Assets {
        let mut files = HashMap::new();
        let mut missing = Vec::new();
        for (name, body) in OWN {
            files.insert(
                format!("velo/{name}"),
                Asset::new(name, Bytes::from_static(body)),
            );
        }
        let path = jsroot_dir.join(JSROOT_BUNDLE);
        match std::fs::read(&path) {
            Ok(body) => {
                files.insert(
                    format!("jsroot/{JSROOT_BUNDLE}"),
                    Asset::with_precompressed(JSROOT_BUNDLE, Bytes::from(body), &path),
                );
            }
            Err(e) => {
                tracing::warn!(
                    file = %path.display(),
                    error = %e,
                    "JSROOT not found (run `npm ci && npm run prepare` in web, then restart): plots will not draw"
                );
                missing.push(format!("jsroot/{JSROOT_BUNDLE}"));
            }
        }
        let pending: Vec<Arc<Asset>> = files
            .values()
            .filter(|a| a.brotli.get().is_none())
            .cloned()
            .collect();
        std::thread::spawn(move || {
            for a in pending {
                let _ = a.brotli.set(brotli(&a.identity));
            }
        });
        Assets { files, missing }
    }

    /// `dir/file`'s versioned URL (the plain one when the file is missing, which then 404s).
    pub fn url(&self, name: &str) -> String {
        match self.files.get(name) {
            Some(a) => {
                let (dir, file) = name.split_once('/').unwrap_or(("", name));
                format!("/static/{dir}/{}/{file}", a.hash)
            }
            None => format!("/static/{name}"),
        }
    }

    /// Every file's versioned URL by name, for the templates (missing ones too: they 404).
    pub fn urls(&self) -> HashMap<String, String> {
        let names = self.files.keys().chain(&self.missing);
        names.map(|k| (k.clone(), self.url(k))).collect()
    }

    /// Files the pages need that were not found at start-up (JSROOT not installed).
    pub fn missing(&self) -> &[String] {
        &self.missing
    }
}

impl Asset {
    fn new(name: &str, identity: Bytes) -> Arc<Asset> {
        Arc::new(Asset::make(name, identity, None, None))
    }

    /// A file whose brotli and gzip versions may lie next to it (`file.br`, `file.gz`, made by
    /// `npm run prepare` for the JSROOT bundle: brotli at its best costs seconds of CPU, too
    /// much for every start). Each is used only if it decodes to exactly this file, so a stale
    /// or damaged one is made afresh instead of served.
    fn with_precompressed(name: &str, identity: Bytes, path: &Path) -> Arc<Asset> {
        let beside = |ext: &str| {
            let mut p = path.as_os_str().to_owned();
            p.push(ext);
            std::fs::read(p).ok()
        };
        let br =
            beside(".br").filter(|b| unbrotli(b, identity.len()).as_deref() == Some(&identity[..]));
        let gz =
            beside(".gz").filter(|g| gunzip(g, identity.len()).as_deref() == Some(&identity[..]));
        if br.is_none() || gz.is_none() {
            tracing::info!(
                file = %path.display(),
                "no up-to-date .br/.gz beside it (`npm run prepare` makes them): compressing at start-up"
            );
        }
        let a = Asset::make(name, identity, gz.map(Bytes::from), br.map(Bytes::from));
        Arc::new(a)
    }

    fn make(name: &str, identity: Bytes, gz: Option<Bytes>, br: Option<Bytes>) -> Asset {
        let mut h = twox_hash::XxHash64::with_seed(0);
        h.write(&identity);
        let brotli = OnceLock::new();
        if let Some(br) = br {
            let _ = brotli.set(br);
        }
        Asset {
            mime: mime_of(name),
            hash: format!("{:016x}", h.finish()),
            gzip: gz.unwrap_or_else(|| Bytes::from(gzip(&identity))),
            identity,
            brotli,
        }
    }
}

fn mime_of(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut c = libdeflater::Compressor::new(libdeflater::CompressionLvl::best());
    let mut out = vec![0; c.gzip_compress_bound(data.len())];
    let n = c.gzip_compress(data, &mut out).expect("bound is enough");
    out.truncate(n);
    out
}

/// `data` decoded, or None if it is not gzip of exactly `len` bytes.
fn gunzip(data: &[u8], len: usize) -> Option<Vec<u8>> {
    let mut out = vec![0; len];
    let n = libdeflater::Decompressor::new()
        .gzip_decompress(data, &mut out)
        .ok()?;
    (n == len).then_some(out)
}

/// `data` decoded, or None if it is not brotli of exactly `len` bytes (reading stops past that).
fn unbrotli(data: &[u8], len: usize) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut out = Vec::with_capacity(len);
    brotli::Decompressor::new(data, 4096)
        .take(len as u64 + 1)
        .read_to_end(&mut out)
        .ok()?;
    (out.len() == len).then_some(out)
}

fn brotli(data: &[u8]) -> Bytes {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &data[..], &mut out, &params).expect("in-memory streams");
    Bytes::from(out)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/{dir}/{file}", web::get().to(unversioned))
        .route("/static/{dir}/{hash}/{file}", web::get().to(versioned));
}

async fn unversioned(
    state: web::Data<PagesState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (dir, file) = path.into_inner();
    serve(&state.assets, &req, &dir, &file, None)
}

async fn versioned(
    state: web::Data<PagesState>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> HttpResponse {
    let (dir, hash, file) = path.into_inner();
    serve(&state.assets, &req, &dir, &file, Some(&hash))
}

/// The file from the table, in the best encoding the client accepts. A versioned URL whose hash
/// is not the file's (a page from another release) gets today's file, not to be kept.
fn serve(
    assets: &Assets,
    req: &HttpRequest,
    dir: &str,
    file: &str,
    hash: Option<&str>,
) -> HttpResponse {
    let Some(a) = assets.files.get(&format!("{dir}/{file}")) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("Not found");
    };
    let cache = if hash == Some(a.hash.as_str()) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let (encoding, body) = match (a.brotli.get(), accepts(req, "br"), accepts(req, "gzip")) {
        (Some(br), true, _) => (Some("br"), br.clone()),
        (_, _, true) => (Some("gzip"), a.gzip.clone()),
        _ => (None, a.identity.clone()),
    };
    let etag = format!(
        "\"{}{}\"",
        a.hash,
        encoding.map(|e| format!("-{e}")).unwrap_or_default()
    );
    let mut res = HttpResponse::build(StatusCode::OK);
    res.insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::VARY, "Accept-Encoding"))
        .insert_header((header::ETAG, etag.clone()));
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if unchanged {
        return res.status(StatusCode::NOT_MODIFIED).finish();
    }
    if let Some(e) = encoding {
        res.insert_header((header::CONTENT_ENCODING, HeaderValue::from_static(e)));
    }
    res.content_type(a.mime).body(body)
}

/// Whether `Accept-Encoding` lists `coding` with a non-zero weight.
fn accepts(req: &HttpRequest, coding: &str) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            name.eq_ignore_ascii_case(coding) && !refused
        })
}
