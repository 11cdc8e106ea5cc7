//! Static files: the pages' own script and style sheet (compiled in) and JSROOT's browser build
//! (read from the npm install, so that it is not copied into the binary).

use super::PagesState;
use actix_web::{web, HttpResponse};

/// The JSROOT bundle the pages load (the full build: it has `createHistogram` and `draw`).
pub const JSROOT_SCRIPT: &str = "jsroot.min.js";

const OWN: &[(&str, &str, &str)] = &[
    (
        "velo_monitor.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/velo_monitor.js"),
    ),
    (
        "dq_overview.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/dq_overview.js"),
    ),
    (
        "dq_run.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/dq_run.js"),
    ),
    (
        "run_selector.js",
        "text/javascript; charset=utf-8",
        include_str!("../../static/run_selector.js"),
    ),
    (
        "velo_monitor.css",
        "text/css; charset=utf-8",
        include_str!("../../static/velo_monitor.css"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../../static/favicon.svg"),
    ),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/static/velo/{file}", web::get().to(own))
        .route("/static/jsroot/{file}", web::get().to(jsroot));
}

async fn own(file: web::Path<String>) -> HttpResponse {
    match OWN.iter().find(|(name, ..)| *name == file.as_str()) {
        Some((_, mime, body)) => HttpResponse::Ok()
            .content_type(*mime)
            .insert_header(("Cache-Control", "max-age=300"))
            .body(*body),
        None => HttpResponse::NotFound().finish(),
    }
}

async fn jsroot(state: web::Data<PagesState>, file: web::Path<String>) -> HttpResponse {
    // Only plain file names of the build directory: nothing from the URL reaches the filesystem
    // as a path with separators or dots in front.
    let name = file.as_str();
    let mime = if name.ends_with(".js") || name.ends_with(".mjs") {
        "text/javascript; charset=utf-8"
    } else {
        return HttpResponse::NotFound().finish();
    };
    if name.starts_with('.') || name.contains(['/', '\\']) {
        return HttpResponse::NotFound().finish();
    }
    match web::block({
        let path = state.jsroot_dir.join(name);
        move || std::fs::read(path)
    })
    .await
    {
        Ok(Ok(body)) => HttpResponse::Ok()
            .content_type(mime)
            .insert_header(("Cache-Control", "max-age=86400"))
            .body(body),
        _ => HttpResponse::NotFound().finish(),
    }
}
