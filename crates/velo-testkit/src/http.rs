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

/// An answer as it came, headers and undecoded bytes (this client asks for no compression
/// unless a test names it, and never decodes one).
pub struct RawReply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, decompressed first when it came gzipped.
    pub fn json(&self) -> Value {
        let body = match self.header("content-encoding") {
            Some("gzip") => gunzip(&self.body),
            _ => self.body.clone(),
        };
        serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&body)))
    }
}

/// What one gzip member holds, its CRC-32 and length checked (libdeflate checks the trailer).
pub fn gunzip(body: &[u8]) -> Vec<u8> {
    assert!(body.len() > 18, "not a gzip member: {body:?}");
    let size = u32::from_le_bytes(body[body.len() - 4..].try_into().expect("four bytes"));
    let mut out = vec![0; size as usize];
    let n = libdeflater::Decompressor::new()
        .gzip_decompress(body, &mut out)
        .expect("a valid gzip member");
    out.truncate(n);
    out
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

    /// `method path` with `headers` (and a JSON `body` if given), the answer undecoded.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> RawReply {
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let sent = match body {
            Some(b) => self.agent.run(
                req.header("Content-Type", "application/json")
                    .body(b.to_string())
                    .expect("request"),
            ),
            None => self.agent.run(req.body(()).expect("request")),
        };
        match sent {
            Ok(mut resp) => RawReply {
                status: resp.status().as_u16(),
                headers: resp
                    .headers()
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect(),
                body: resp
                    .body_mut()
                    .with_config()
                    .limit(u64::MAX)
                    .read_to_vec()
                    .unwrap_or_default(),
            },
            Err(e) => RawReply {
                status: 0,
                headers: vec![],
                body: e.to_string().into_bytes(),
            },
        }
    }

    /// Submit a job; panics unless it is accepted (201). Returns the job object, as it is when
    /// queued: the submission does not wait for the job to end (`?wait=0`).
    pub fn submit(&self, task_name: &str, args: Value) -> Value {
        let r = self.post(
            "/jobs?wait=0",
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
