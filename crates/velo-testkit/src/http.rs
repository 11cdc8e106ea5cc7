//! A small blocking JSON client of the jobs API that never treats 4xx/5xx as transport errors.

use serde_json::Value;
use std::time::Duration;

#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    pub base: String,
}

pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

impl Client {
    pub fn new(base: impl Into<String>) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Client {
            agent,
            base: base.into(),
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        let r = self.agent.get(format!("{}{path}", self.base)).call();
        reply(r)
    }

    pub fn post_raw(&self, path: &str, content_type: &str, body: &str) -> Reply {
        let r = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("Content-Type", content_type)
            .send(body);
        reply(r)
    }

    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.post_raw(path, "application/json", &body.to_string())
    }

    pub fn request(&self, method: &str, path: &str) -> Reply {
        let req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .body(())
            .expect("request");
        reply(self.agent.run(req))
    }

    /// Submit a job; panics unless it is accepted (201). Returns the job object.
    pub fn submit(&self, task_name: &str, args: Value) -> Value {
        let r = self.post(
            "/jobs",
            &serde_json::json!({"task_name": task_name, "args": args}),
        );
        assert_eq!(r.status, 201, "submit: {}", r.body);
        r.json()["job"].clone()
    }

    /// Long-poll the job until it ends (or `wait` seconds pass). Returns the job object.
    pub fn wait(&self, id: &str, wait: f64) -> Value {
        let r = self.get(&format!("/jobs/{id}?wait={wait}"));
        assert_eq!(r.status, 200, "get job: {}", r.body);
        r.json()["job"].clone()
    }
}

fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    match r {
        Ok(mut resp) => Reply {
            status: resp.status().as_u16(),
            body: resp.body_mut().read_to_string().unwrap_or_default(),
        },
        Err(e) => Reply {
            status: 0,
            body: e.to_string(),
        },
    }
}
