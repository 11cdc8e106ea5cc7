//! `dq_database_url`: `sqlite://PATH` or `postgres://...` / `postgresql://...`.

use crate::StoreError;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DatabaseUrl {
    /// Relative paths are relative to the working directory.
    Sqlite(PathBuf),
    /// The URL as given, for the PostgreSQL client to parse.
    Postgres(String),
}

impl DatabaseUrl {
    pub(crate) fn parse(url: &str) -> Result<DatabaseUrl, StoreError> {
        let bad = |reason: &str| StoreError::Url {
            url: redact(url),
            reason: reason.into(),
        };
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(bad("no file path after sqlite://"));
            }
            if path.contains('?') {
                return Err(bad("sqlite:// takes a file path, not options"));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_string()));
        }
        Err(bad(
            "expected sqlite://PATH or postgres://USER@HOST/DATABASE",
        ))
    }
}

/// `url` with the password of its user-info part (`scheme://user:PASSWORD@host`) and any
/// `password=` option replaced by `***`, for messages and logs.
pub fn redact(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..]
            .find(['/', '?'])
            .map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(rest_start + colon + 1..rest_start + at, "***");
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect();
        out = format!("{head}{}", query.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://var/dq.sqlite3").unwrap(),
            DatabaseUrl::Sqlite("var/dq.sqlite3".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///srv/dq.db").unwrap(),
            DatabaseUrl::Sqlite("/srv/dq.db".into())
        );
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("var/dq.sqlite3").is_err());
    }

    #[test]
    fn passwords_never_show() {
        let url = "postgres://velo:s3cret@db.example:5432/dq?password=other&sslmode=disable";
        let r = redact(url);
        assert!(!r.contains("s3cret") && !r.contains("other"), "{r}");
        assert_eq!(
            r,
            "postgres://velo:***@db.example:5432/dq?password=***&sslmode=disable"
        );
        assert_eq!(redact("postgres://velo@h/dq"), "postgres://velo@h/dq");
        // An '@' in the password itself.
        assert_eq!(redact("postgres://u:p@ss@h/d"), "postgres://u:***@h/d");
        let err = DatabaseUrl::parse("mysql://u:hunter2@h/d").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
