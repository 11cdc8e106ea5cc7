//! Building the server from settings, so that `main` and the tests start it the same way (tests
//! on port 0, a free port the OS picks).

use crate::policy;
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use std::net::TcpListener;
use velo_config::Settings;

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Application> {
        let listener = TcpListener::bind((settings.host.as_str(), settings.port))?;
        let port = listener.local_addr()?.port();
        let jobs = web::Data::new(crate::jobs::JobsState::new(&settings).await?);
        let pages = web::Data::new(crate::pages::PagesState::new(&settings)?);
        let ops = web::Data::new(crate::ops::OpsState::new(&settings));
        let dq = web::Data::new(crate::dq::DqState::new(&settings)?);
        let alarm_watch = web::Data::new(crate::alarms::AlarmWatch::default());
        crate::alarms::duty::start(&settings);
        let networks = web::Data::new(
            policy::Networks::parse(&settings.internal_networks)
                .map_err(|e| anyhow::anyhow!("internal_networks: {e}"))?,
        );
        let server = HttpServer::new(move || {
            // The last wrap runs first: the headers go on every answer, refusals included.
            App::new()
                .wrap(from_fn(policy::internal_only))
                .wrap(from_fn(policy::json_writes_only))
                .wrap(policy::security_headers())
                .app_data(networks.clone())
                .app_data(jobs.clone())
                .app_data(pages.clone())
                .app_data(ops.clone())
                .app_data(dq.clone())
                .app_data(alarm_watch.clone())
                .configure(crate::ops::configure)
                .configure(crate::jobs::configure)
                .configure(crate::alarms::configure)
                .configure(crate::dq::configure)
                .configure(crate::pages::configure)
        })
        .listen(listener)?
        .run();
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
