//! The HTML pages: VELO view, sensor view, run view, TELL1 view, special analyses.
//!
//! Templates (tera, autoescaped) live in `templates/` at the repository root and are compiled into
//! the binary; so are the pages' own script and style sheet. JSROOT is served from the npm install
//! (`jsroot_dir`, read at start-up), so that browsers on a network without internet can draw.

mod alarms;
mod assets;
mod flash;
mod overview;
mod run_view;
mod site;
mod templates;

pub use overview::utc;
pub(crate) use run_view::plot_anchors;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use std::path::PathBuf;
use velo_config::Settings;
use veloview::runview::{Pages, RunList};

/// What the page routes share: templates and the run view configuration.
pub struct PagesState {
    tera: tera::Tera,
    app_name: String,
    app_description: String,
    run_list_file: PathBuf,
    pages: Pages,
    assets: assets::Assets,
}

impl PagesState {
    pub fn new(settings: &Settings) -> anyhow::Result<PagesState> {
        let assets = assets::Assets::load(&settings.jsroot_dir);
        Ok(PagesState {
            tera: templates::load(assets.urls())?,
            app_name: settings.app_name.clone(),
            app_description: settings.app_description.clone(),
            run_list_file: settings.run_list_file.clone(),
            pages: Pages::load(&settings.pages_file).map_err(anyhow::Error::msg)?,
            assets,
        })
    }

    /// Static files the pages need that were not found at start-up (for `/healthz`).
    pub fn missing_assets(&self) -> &[String] {
        self.assets.missing()
    }

    /// The processed runs, read on each request: the list grows while the monitor runs. A list
    /// that cannot be read is an empty one, which the pages say plainly.
    fn run_list(&self) -> RunList {
        match RunList::load(&self.run_list_file) {
            Ok((runs, skipped)) => {
                if !skipped.is_empty() {
                    tracing::debug!(lines = skipped.len(), "run list lines skipped");
                }
                runs
            }
            Err(e) => {
                tracing::warn!(error = %e, "run list unreadable");
                RunList::new(Vec::new())
            }
        }
    }

    /// The context every page template needs: site name, navigation state, flash messages.
    fn context(&self, active: &str) -> tera::Context {
        let mut ctx = tera::Context::new();
        ctx.insert("app_name", &self.app_name);
        ctx.insert("app_description", &self.app_description);
        ctx.insert("active", active);
        ctx
    }

    /// Render `template`, showing (and clearing) any flash messages the previous response left.
    fn render(
        &self,
        req: &HttpRequest,
        status: StatusCode,
        template: &str,
        mut ctx: tera::Context,
    ) -> HttpResponse {
        let messages = flash::take(req);
        ctx.insert("flashes", &messages);
        match self.tera.render(template, &ctx) {
            Ok(html) => {
                let mut res = HttpResponse::build(status);
                res.content_type("text/html; charset=utf-8");
                if !messages.is_empty() {
                    flash::clear(&mut res);
                }
                res.body(html)
            }
            Err(e) => {
                // tera's Display hides the cause; the chain names the template and the fault.
                let mut msg = e.to_string();
                let mut source = std::error::Error::source(&e);
                while let Some(s) = source {
                    msg.push_str(": ");
                    msg.push_str(&s.to_string());
                    source = s.source();
                }
                tracing::error!(template, error = %msg, "page rendering failed");
                HttpResponse::InternalServerError()
                    .content_type("text/plain; charset=utf-8")
                    .body("The page could not be rendered; the server log has the details.")
            }
        }
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    assets::configure(cfg);
    alarms::configure(cfg);
    run_view::configure(cfg);
    site::configure(cfg);
    cfg.default_service(web::to(site::not_found));
}
