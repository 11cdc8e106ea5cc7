//! What every request passes through before a route sees it: the browser security headers (and
//! the one inline script they allow), the JSON-only rule for writes, and the internal-network
//! rule for operator endpoints.

mod headers;
mod inline;
mod json_writes;
mod networks;

pub use headers::security_headers;
pub use inline::inline_script;
pub use json_writes::json_writes_only;
pub use networks::{internal_only, Networks};

use actix_web::http::StatusCode;
use actix_web::HttpResponse;

/// A refusal the client can read: JSON `{"message": ...}`, as every API error.
fn refusal(status: StatusCode, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(serde_json::json!({ "message": message }))
}
