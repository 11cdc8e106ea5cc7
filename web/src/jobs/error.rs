//! Every error of the jobs API is JSON `{"message": ...}` with a fitting status.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// Redis (queue or results) cannot be reached: the client may retry.
    pub fn unavailable(e: impl std::fmt::Display) -> ApiError {
        tracing::warn!(error = %e, "jobs backend unavailable");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "The job queue is unavailable, try again shortly",
        )
    }
}

/// The JSON APIs' answer to a path they do not have (their scopes' default service).
pub(crate) async fn not_found() -> HttpResponse {
    ApiError::not_found("Resource not found").error_response()
}

/// The JSON APIs' answer to a method a resource does not take.
pub(crate) async fn method_not_allowed() -> HttpResponse {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed").error_response()
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(serde_json::json!({ "message": self.message }))
    }
}
