//! The answer about one job: `{"job": {"uri": …, <the record's fields>}}`, spliced from the
//! record's text rather than re-serialised (a plot's result is tens of kB). A large finished
//! job goes to a client that takes gzip as the worker compressed it (`velo_jobs::compressed`):
//! only the URI, which names this request's host, is added in front.

use actix_web::http::header::{self, ContentType, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use velo_jobs::record::Ended;

/// Whether the request takes a gzip answer.
pub fn takes_gzip(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .any(velo_jobs::compressed::accepts_gzip)
}

/// The job's absolute URL, from the request's host.
pub fn job_uri(req: &HttpRequest, id: &str) -> String {
    req.url_for("job", [id])
        .map(|u| u.to_string())
        .unwrap_or_default()
}

/// The answer, gzip when `record` is compressed and the request takes it (`gzip`, from
/// [`takes_gzip`]), else JSON; `None` when neither can be made from `record` (damaged
/// compressed data).
pub fn one_job(
    status: StatusCode,
    req: &HttpRequest,
    id: &str,
    record: &Ended,
    gzip: bool,
) -> Option<HttpResponse> {
    // The host comes from the request: quoted and escaped as any JSON string.
    let uri = serde_json::to_string(&job_uri(req, id)).expect("strings serialise");
    let head = format!(r#"{{"job":{{"uri":{uri},"#);
    let mut answer = HttpResponse::build(status);
    answer
        .content_type(ContentType::json())
        .insert_header((header::VARY, HeaderValue::from_static("accept-encoding")));
    if let Ended::Compressed(c) = record {
        if gzip {
            if let Some(body) = c.gzip_with_head(&head) {
                return Some(
                    answer
                        .insert_header((header::CONTENT_ENCODING, HeaderValue::from_static("gzip")))
                        .body(body),
                );
            }
        }
    }
    // Decompressed for a client that does not take gzip.
    let json = record.json()?;
    Some(answer.body(spliced(&head, &json)))
}

/// `head` (ending in a comma), then the fields of the object `record` and the closing brace of
/// `job`.
fn spliced(head: &str, record: &str) -> String {
    let fields = record.trim_start().strip_prefix('{').unwrap_or(record);
    let mut body = String::with_capacity(head.len() + fields.len() + 1);
    if fields.trim_start().starts_with('}') {
        // An empty record: no comma after the URI.
        body.push_str(head.strip_suffix(',').unwrap_or(head));
    } else {
        body.push_str(head);
    }
    body.push_str(fields);
    body.push('}');
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uri_goes_first_and_the_record_follows_whole() {
        let head = r#"{"job":{"uri":"http://h/jobs/x","#;
        let body = spliced(head, r#"{"status":"finished","result":{"a":[1]}}"#);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["job"]["uri"], "http://h/jobs/x");
        assert_eq!(v["job"]["status"], "finished");
        assert_eq!(v["job"]["result"]["a"][0], 1);
        let empty: serde_json::Value = serde_json::from_str(&spliced(head, "{}")).unwrap();
        assert_eq!(
            empty,
            serde_json::json!({"job": {"uri": "http://h/jobs/x"}})
        );
    }
}
