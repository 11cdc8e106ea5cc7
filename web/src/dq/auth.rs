//! Who may write. Reading is open; a write (a sign-off) needs a user vouched for by the
//! authenticating reverse proxy — its `auth_user_header`, believed only on connections from
//! `auth_proxy_addresses` — or an API token (`Authorization: Bearer TOKEN`) whose SHA-256 is in
//! `api_tokens_file`. Writes from another site are refused: they must be JSON (which a plain
//! HTML form cannot send) and carry no foreign `Origin` or `Sec-Fetch-Site`.

use crate::jobs::error::ApiError;
use actix_web::http::{header, StatusCode};
use actix_web::HttpRequest;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use velo_config::Settings;

/// An authenticated writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    /// "proxy" or "token".
    pub via: &'static str,
}

pub struct Auth {
    header: header::HeaderName,
    proxies: Vec<IpAddr>,
    tokens_file: PathBuf,
}

impl Auth {
    pub fn new(settings: &Settings) -> anyhow::Result<Auth> {
        let header = header::HeaderName::from_bytes(settings.auth_user_header.trim().as_bytes())
            .map_err(|_| {
                anyhow::anyhow!(
                    "auth_user_header {:?} is not a header name",
                    settings.auth_user_header
                )
            })?;
        let proxies = settings
            .auth_proxy_addresses
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpAddr>().map_err(|_| {
                    anyhow::anyhow!("auth_proxy_addresses: {s:?} is not an IP address")
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Auth {
            header,
            proxies,
            tokens_file: settings.api_tokens_file.clone(),
        })
    }

    /// The writer of this request, or why not (401, saying what `action` needs). Reads the
    /// tokens file when a token is given (on a blocking thread), so that a token added or
    /// revoked counts at once.
    pub async fn user(&self, req: &HttpRequest, action: &str) -> Result<User, ApiError> {
        let unauthorized = |why: &str| unauthorized(action, why);
        if let Some(value) = req.headers().get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| unauthorized("the Authorization header must be `Bearer TOKEN`"))?;
            let (file, token) = (self.tokens_file.clone(), token.to_owned());
            let found = actix_web::web::block(move || token_name(&file, &token))
                .await
                .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
            return match found {
                Some(name) => Ok(User { name, via: "token" }),
                None => Err(unauthorized("the API token is not valid")),
            };
        }
        let from_proxy = req
            .peer_addr()
            .is_some_and(|a| self.proxies.contains(&a.ip()));
        if let Some(value) = req.headers().get(&self.header) {
            if !from_proxy {
                // Anyone can send the header; only the proxy's copy means anything.
                tracing::warn!(peer = ?req.peer_addr(), header = %self.header,
                    "user header from an address not in auth_proxy_addresses: ignored");
            } else if let Some(name) = value.to_str().ok().map(str::trim).filter(|n| !n.is_empty())
            {
                return Ok(User {
                    name: name.to_owned(),
                    via: "proxy",
                });
            }
        }
        Err(unauthorized(
            "log in (through the site's login) or send an API token",
        ))
    }
}

/// 401 saying what `action` (e.g. "Signing off") needs, and why it was not given.
fn unauthorized(action: &str, why: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        format!("{action} needs an authenticated user: {why}"),
    )
}

/// Refuse a write another site's page could have made: 415 unless the body is declared JSON,
/// 403 when the browser says the request comes from elsewhere.
pub fn same_site_json(req: &HttpRequest) -> Result<(), ApiError> {
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The request body must be JSON (Content-Type: application/json)",
        ));
    }
    let cross = || ApiError::new(StatusCode::FORBIDDEN, "Cross-site requests are refused");
    if let Some(site) = req.headers().get("sec-fetch-site") {
        if !matches!(site.to_str(), Ok("same-origin") | Ok("none")) {
            return Err(cross());
        }
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        // Host names only: a proxy may pass `Host` without the port the browser used.
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(hostname);
        let origin_host = origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .map(|(_, h)| hostname(h.trim_end_matches('/')));
        if origin_host.is_none() || origin_host != host {
            return Err(cross());
        }
    }
    Ok(())
}

/// `host[:port]` or `[v6]:port` without the port, lowercased.
fn hostname(h: &str) -> String {
    let h = match h.rfind(':') {
        Some(i) if !h[i..].contains(']') => &h[..i],
        _ => h,
    };
    h.to_ascii_lowercase()
}

/// Lowercase hex SHA-256 of a token: what the tokens file holds.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The name of the token in the tokens file (`NAME HASH` lines, `#` comments), if there.
fn token_name(file: &Path, token: &str) -> Option<String> {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(file = %file.display(), error = %e, "API tokens file unreadable");
            return None;
        }
    };
    let hash = hash_token(token);
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(char::is_whitespace))
        .find(|(_, h)| h.trim().eq_ignore_ascii_case(&hash))
        .map(|(name, _)| name.to_owned())
}

/// A new random token (64 hex digits from the OS's random source) and its tokens-file line.
pub fn new_token(name: &str) -> std::io::Result<(String, String)> {
    use std::io::Read;
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '#') {
        return Err(std::io::Error::other(
            "a token name is one word without spaces or '#'",
        ));
    }
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let line = format!("{name} {}", hash_token(&token));
    Ok((token, line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_by_hash_only() {
        let dir = std::env::temp_dir().join(format!("velo-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("tokens.txt");
        let (token, line) = new_token("cron").unwrap();
        assert_eq!(token.len(), 64);
        assert!(!line.contains(&token));
        std::fs::write(&file, format!("# scripts\n{line}\nother 00ff\n")).unwrap();
        assert_eq!(token_name(&file, &token).as_deref(), Some("cron"));
        assert_eq!(token_name(&file, "wrong"), None);
        assert_eq!(token_name(&dir.join("missing"), &token), None);
        assert!(new_token("two words").is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn hash_is_sha256_hex() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
