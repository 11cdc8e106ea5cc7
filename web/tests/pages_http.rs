//! The page routes over HTTP, without a browser: redirects, flash cookies, status codes,
//! escaping. The browser tests (web/tests/browser/) cover the pages' behaviour in Chromium.

use actix_web::{http::StatusCode, test, web, App};
use std::path::{Path, PathBuf};
use velo_config::Settings;
use velo_web::pages::{self, PagesState};

fn settings(dir: &Path) -> Settings {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    settings_with_jsroot(dir, &root.join("web/node_modules/jsroot/build"))
}

fn settings_with_jsroot(dir: &Path, jsroot: &Path) -> Settings {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let vars = [
        ("VELO_RUN_LIST_FILE", dir.join("RunList.txt")),
        ("VELO_RUN_DATA_DIR", dir.to_path_buf()),
        ("VELO_PAGES_FILE", root.join("config/pages.toml")),
        ("VELO_JSROOT_DIR", jsroot.to_path_buf()),
        // A path the test's data directory holds: sqlite:// + absolute path.
        (
            "VELO_DQ_DATABASE_URL",
            PathBuf::from(format!("sqlite://{}", dir.join("dq.sqlite3").display())),
        ),
    ];
    Settings::load_from(|k| {
        vars.iter()
            .find(|(name, _)| *name == k)
            .map(|(_, v)| v.display().to_string())
    })
    .unwrap()
}

fn run_list(runs: &[u32]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "velo-pages-http-{}-{}",
        std::process::id(),
        runs.len()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let list: Vec<String> = runs.iter().map(u32::to_string).collect();
    std::fs::write(dir.join("RunList.txt"), list.join("\n")).unwrap();
    dir
}

macro_rules! app {
    (settings: $settings:expr) => {
        test::init_service(
            App::new()
                .app_data(web::Data::new(PagesState::new(&$settings).unwrap()))
                .app_data(web::Data::new(
                    velo_web::dq::DqState::new(&$settings).unwrap(),
                ))
                .configure(pages::configure),
        )
        .await
    };
    ($dir:expr) => {
        app!(settings: settings($dir))
    };
}

/// GET `uri` (with an optional `Cookie` header): status, `Location`, `Set-Cookie`, body.
macro_rules! get {
    ($app:expr, $uri:expr, $cookie:expr) => {{
        let mut req = test::TestRequest::get().uri($uri);
        if let Some(c) = $cookie {
            req = req.insert_header(("Cookie", c));
        }
        let res = test::call_service($app, req.to_request()).await;
        let status = res.status();
        let header = |n: &str| res.headers().get(n).map(|v| v.to_str().unwrap().to_owned());
        let (location, set_cookie) = (header("location"), header("set-cookie"));
        let body = String::from_utf8(test::read_body(res).await.to_vec()).unwrap();
        (status, location, set_cookie, body)
    }};
}

#[actix_web::test]
async fn invalid_run_redirects_with_a_flash_shown_once() {
    let dir = run_list(&[300, 200, 100]);
    let app = app!(&dir);
    let (status, location, cookie, _) = get!(&app, "/run_view/555/noise/3", None::<&str>);
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(location.as_deref(), Some("/run_view/300/noise/3"));
    let cookie = cookie.unwrap();
    let pair = cookie.split(';').next().unwrap();
    let (status, _, cleared, body) = get!(&app, "/run_view/300/noise/3", Some(pair));
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Invalid run number &quot;555&quot;, reset to &quot;300&quot;"));
    assert!(cleared.unwrap().contains("Max-Age=0"));
}

#[actix_web::test]
async fn query_parameters_redirect_to_the_canonical_url() {
    let dir = run_list(&[300, 200, 100, 50]);
    let app = app!(&dir);
    let (status, location, cookie, _) =
        get!(&app, "/run_view?run=200&page=noise&sensor=65", None::<&str>);
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(location.as_deref(), Some("/run_view/200/noise/65"));
    assert!(cookie.is_none(), "no message when everything is valid");
    // An empty run field falls back to the nearby-runs choice; a hostile page is encoded.
    let (_, location, ..) = get!(
        &app,
        "/run_view?run=&nearby-runs=100&page=a/b?c",
        None::<&str>
    );
    assert_eq!(location.as_deref(), Some("/run_view/100/a%2Fb%3Fc/0"));
}

#[actix_web::test]
async fn statuses_of_pages() {
    let dir = run_list(&[300, 200, 100, 25]);
    let app = app!(&dir);
    for (uri, status) in [
        ("/", 200),
        ("/velo_view/trends/tracks", 200),
        ("/special_analyses/ip_resolution", 200),
        ("/run_view", 200),
        ("/run_view/200/occupancy/64", 200),
        ("/run_view/200/nowhere", 404),
        ("/nowhere", 404),
        ("/special_analyses/nowhere", 404),
        ("/static/velo/velo_monitor.js", 200),
        ("/static/velo/nothing.js", 404),
        ("/static/jsroot/jsroot-velo.min.js", 200),
        ("/static/jsroot/jsroot.min.js", 404),
        ("/static/velo/dq_trends.js", 200),
        ("/velo_view/detailed_trends", 200),
        ("/sensor_view/5", 200),
        ("/sensor_view/131", 200),
        ("/tell1_view/105", 200),
        ("/sensor_view/50", 404),
        ("/sensor_view/-1", 404),
        ("/tell1_view/abc", 404),
    ] {
        assert_eq!(get!(&app, uri, None::<&str>).0.as_u16(), status, "{uri}");
    }
    // The sensor selectors without script: the server goes to the sensor chosen.
    for (uri, to) in [
        ("/sensor_view?r-sensor=7", Some("/sensor_view/7")),
        (
            "/tell1_view?r-sensor=&phi-sensor=70",
            Some("/tell1_view/70"),
        ),
        ("/sensor_view?phi-sensor=50", None),
    ] {
        let (status, location, ..) = get!(&app, uri, None::<&str>);
        assert_eq!(location.as_deref(), to, "{uri}");
        assert_eq!(
            status.as_u16(),
            if to.is_some() { 302 } else { 200 },
            "{uri}"
        );
    }
}

#[actix_web::test]
async fn trailing_slashes_redirect_only_within_the_site() {
    let dir = run_list(&[300, 200, 100, 25, 10]);
    let app = app!(&dir);
    let (status, location, ..) = get!(&app, "/velo_view/?x=1", None::<&str>);
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(location.as_deref(), Some("/velo_view?x=1"));
    for uri in ["//evil.example/", "/%5Cevil.example/", "/\\evil.example/"] {
        let (status, location, ..) = get!(&app, uri, None::<&str>);
        assert!(
            location.is_none() || !location.as_deref().unwrap().starts_with("//"),
            "{uri} → {location:?}"
        );
        assert_ne!(status, StatusCode::OK);
    }
}

#[actix_web::test]
async fn no_runs_is_said_plainly() {
    let dir = run_list(&[]);
    let app = app!(&dir);
    let (status, _, _, body) = get!(&app, "/run_view/12/noise", None::<&str>);
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("No processed runs are listed yet"));
}

/// Static files come from a table filled at start-up: nothing in a URL reaches the file system,
/// neither a path that climbs out of the JSROOT directory nor another file inside it.
#[actix_web::test]
async fn static_urls_never_reach_the_file_system() {
    let dir = run_list(&[300, 200, 100, 25, 10, 5]);
    let build = dir.join("jsroot/build");
    std::fs::create_dir_all(&build).unwrap();
    std::fs::write(build.join("jsroot-velo.min.js"), "/* the bundle */").unwrap();
    std::fs::write(build.join("other.min.js"), "/* OTHER */").unwrap();
    std::fs::write(dir.join("jsroot/secret.js"), "/* SECRET */").unwrap();
    let app = app!(settings: settings_with_jsroot(&dir, &build));
    let (status, _, _, body) = get!(&app, "/static/jsroot/jsroot-velo.min.js", None::<&str>);
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "/* the bundle */")
    );
    for uri in [
        "/static/jsroot/other.min.js",
        "/static/jsroot/..%2Fsecret.js",
        "/static/jsroot/%2E%2E%2Fsecret.js",
        "/static/jsroot/..%5Csecret.js",
        "/static/jsroot/0123456789abcdef/..%2Fsecret.js",
        "/static/jsroot/build/..%2F..%2Fjsroot%2Fsecret.js",
        "/static/velo/..%2Fjsroot%2Fbuild%2Fother.min.js",
        "/static/jsroot/..%2F..%2FRunList.txt",
    ] {
        let (status, _, _, body) = get!(&app, uri, None::<&str>);
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(
            !body.contains("SECRET") && !body.contains("OTHER"),
            "{uri}: {body}"
        );
    }
}

/// Versioned URLs are cached for good, plain ones revalidated; the best encoding the client
/// takes is sent, and unchanged files answer 304.
#[actix_web::test]
async fn static_files_are_versioned_precompressed_and_revalidated() {
    let dir = run_list(&[300, 200, 100, 25, 10, 5, 1]);
    let app = app!(&dir);
    let (_, _, _, page) = get!(&app, "/run_view/300/occupancy/0", None::<&str>);
    let url = page
        .split('"')
        .find(|s| s.starts_with("/static/velo/") && s.ends_with("/velo_monitor.js"))
        .unwrap()
        .to_string();
    let call = |uri: &str, headers: &[(&'static str, &str)]| {
        let mut req = test::TestRequest::get().uri(uri);
        for (k, v) in headers {
            req = req.insert_header((*k, v.to_string()));
        }
        req.to_request()
    };
    let res = test::call_service(
        &app,
        call(&url, &[("Accept-Encoding", "gzip;q=0, deflate")]),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = |res: &actix_web::dev::ServiceResponse, n: &str| {
        res.headers().get(n).map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(
        h(&res, "cache-control").as_deref(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(h(&res, "content-encoding"), None, "gzip;q=0 refuses gzip");
    let body = test::read_body(res).await;
    assert_eq!(&body[..], include_bytes!("../static/velo_monitor.js"));

    let res = test::call_service(&app, call(&url, &[("Accept-Encoding", "gzip")])).await;
    assert_eq!(h(&res, "content-encoding").as_deref(), Some("gzip"));
    let etag = h(&res, "etag").unwrap();
    let res = test::call_service(
        &app,
        call(
            &url,
            &[("Accept-Encoding", "gzip"), ("If-None-Match", &etag)],
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);

    // Another release's hash, or none: today's file, not to be kept.
    for uri in [
        "/static/velo/velo_monitor.js",
        "/static/velo/0000000000000000/velo_monitor.js",
    ] {
        let res = test::call_service(&app, call(uri, &[])).await;
        assert_eq!(res.status(), StatusCode::OK, "{uri}");
        assert_eq!(
            h(&res, "cache-control").as_deref(),
            Some("no-cache"),
            "{uri}"
        );
    }
}

/// The JSROOT bundle's brotli and gzip versions made by `npm run prepare` are served from the
/// first request (no start-up compression); stale ones, which no longer decode to the bundle,
/// are never sent.
#[actix_web::test]
async fn precompressed_bundle_is_served_only_when_it_matches() {
    let bundle = "/* the bundle */ var x = 1;".repeat(40);
    let other = "/* an older bundle */".repeat(40);
    let brotli_of = |s: &str| {
        let mut out = Vec::new();
        let params = brotli::enc::BrotliEncoderParams::default();
        brotli::BrotliCompress(&mut s.as_bytes(), &mut out, &params).unwrap();
        out
    };
    let gzip_of = |s: &str| {
        let mut c = libdeflater::Compressor::new(libdeflater::CompressionLvl::default());
        let mut out = vec![0; c.gzip_compress_bound(s.len())];
        let n = c.gzip_compress(s.as_bytes(), &mut out).unwrap();
        out.truncate(n);
        out
    };
    let fetch = |app_dir: PathBuf, coding: &'static str| async move {
        let dir = run_list(&[300, 200, 100]);
        let app = app!(settings: settings_with_jsroot(&dir, &app_dir));
        let req = test::TestRequest::get()
            .uri("/static/jsroot/jsroot-velo.min.js")
            .insert_header(("Accept-Encoding", coding))
            .to_request();
        let res = test::call_service(&app, req).await;
        let enc = res
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap().to_owned());
        (enc, test::read_body(res).await.to_vec())
    };
    let build = |name: &str, br: &str, gz: &str| {
        let dir = run_list(&[1]).join(name);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("jsroot-velo.min.js"), &bundle).unwrap();
        std::fs::write(dir.join("jsroot-velo.min.js.br"), brotli_of(br)).unwrap();
        std::fs::write(dir.join("jsroot-velo.min.js.gz"), gzip_of(gz)).unwrap();
        dir
    };

    let fresh = build("fresh", &bundle, &bundle);
    let (enc, body) = fetch(fresh.clone(), "br").await;
    assert_eq!(
        enc.as_deref(),
        Some("br"),
        "served as brotli from the start"
    );
    assert_eq!(body, brotli_of(&bundle), "the file beside it, as made");
    let (enc, body) = fetch(fresh, "gzip").await;
    assert_eq!(enc.as_deref(), Some("gzip"));
    assert_eq!(body, gzip_of(&bundle));

    let stale = build("stale", &other, &other);
    let (enc, body) = fetch(stale.clone(), "gzip").await;
    assert_eq!(enc.as_deref(), Some("gzip"));
    let mut plain = vec![0; bundle.len()];
    let n = libdeflater::Decompressor::new()
        .gzip_decompress(&body, &mut plain)
        .unwrap();
    assert_eq!(&plain[..n], bundle.as_bytes(), "gzip made afresh");
    // Brotli is made in the background: until then the plain file goes out, never the stale one.
    let (enc, body) = fetch(stale, "br").await;
    let plain = match enc.as_deref() {
        Some("br") => {
            let mut out = Vec::new();
            brotli::BrotliDecompress(&mut &body[..], &mut out).unwrap();
            out
        }
        None => body,
        other => panic!("unexpected encoding {other:?}"),
    };
    assert_eq!(plain, bundle.as_bytes());
}
