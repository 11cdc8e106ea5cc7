//! Requests that change something (POST, PUT, PATCH, DELETE) must carry JSON: every POST, and
//! the others when they have a body. An HTML form on another site can POST here with the
//! shifter's browser, but only as form data or plain text; a cross-site `application/json`
//! request needs a CORS preflight this server never grants.

use super::refusal;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;

pub async fn json_writes_only(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let writes = [Method::POST, Method::PUT, Method::PATCH, Method::DELETE];
    let with_body = *req.method() == Method::POST || has_body(&req);
    if writes.contains(req.method()) && with_body && !is_json(&req) {
        let res = refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Request body must be JSON, sent with Content-Type: application/json",
        );
        return Ok(req.into_response(res));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
}

/// `application/json`, with or without parameters (`; charset=utf-8`).
fn is_json(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}
