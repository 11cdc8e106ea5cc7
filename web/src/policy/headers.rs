//! Headers on every response that tell browsers what this site allows: scripts only from this
//! origin (so text from a ROOT file or a URL that slipped into a page could not run), no framing
//! by other sites, no content-type guessing, no full URLs sent to other sites.

use actix_web::middleware::DefaultHeaders;
use std::sync::OnceLock;

/// `style-src` allows inline styles: JSROOT styles its SVG through `style` attributes. Scripts,
/// which are what an injection would need, come from this origin only, but for the inline scripts
/// of ours named by their hash (an injected script cannot have one of those hashes).
fn content_security_policy() -> &'static str {
    static POLICY: OnceLock<String> = OnceLock::new();
    POLICY.get_or_init(|| {
        format!(
            "default-src 'self'; script-src 'self' {}; \
             style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            super::inline::script_sources()
        )
    })
}

pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("Content-Security-Policy", content_security_policy()))
        .add(("X-Content-Type-Options", "nosniff"))
        // For browsers without CSP's frame-ancestors.
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "same-origin"))
}
