//! One-shot messages carried across a redirect in a cookie, as Flask's `flash` did: the
//! redirecting response sets them, the next page shows them and clears the cookie.

use actix_web::cookie::{time::Duration, Cookie};
use actix_web::{HttpRequest, HttpResponseBuilder};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

const COOKIE: &str = "velo_flash";

/// Attach `messages` to a response (usually a redirect).
pub fn set(res: &mut HttpResponseBuilder, messages: &[String]) {
    let json = serde_json::to_string(messages).expect("strings serialise");
    // The request side decodes cookie values (`Cookie::parse_encoded`); the response side does
    // not encode, so encode here.
    let value = utf8_percent_encode(&json, NON_ALPHANUMERIC).to_string();
    res.cookie(
        Cookie::build(COOKIE, value)
            .path("/")
            .http_only(true)
            .finish(),
    );
}

/// The messages the request carries; anything unreadable is dropped (it is only ever ours).
pub fn take(req: &HttpRequest) -> Vec<String> {
    req.cookie(COOKIE)
        .and_then(|c| serde_json::from_str(c.value()).ok())
        .unwrap_or_default()
}

pub fn clear(res: &mut HttpResponseBuilder) {
    res.cookie(
        Cookie::build(COOKIE, "")
            .path("/")
            .max_age(Duration::ZERO)
            .finish(),
    );
}
