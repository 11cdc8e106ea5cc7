//! Shifters' sign-offs (migration 0002): a run marked OK, BAD or unchecked with a comment. The
//! table is append-only, so every write stays as history; a run's newest sign-off is its
//! current one. Also the change marker the pages poll to learn that something new was stored.

use crate::sql::{marks, Conn, Param, Row};
use crate::{Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The longest comment kept, in characters: a comment is a note, not a log file.
pub const MAX_COMMENT_CHARS: usize = 2000;
/// The longest author name kept, in characters.
const MAX_AUTHOR_CHARS: usize = 200;

/// What a shifter says of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SignoffStatus {
    #[serde(rename = "OK")]
    Ok,
    #[serde(rename = "BAD")]
    Bad,
    /// Back to not looked at (e.g. a sign-off given by mistake).
    #[serde(rename = "unchecked")]
    Unchecked,
}

impl SignoffStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SignoffStatus::Ok => "OK",
            SignoffStatus::Bad => "BAD",
            SignoffStatus::Unchecked => "unchecked",
        }
    }

    fn parse(s: &str) -> Result<SignoffStatus, StoreError> {
        match s {
            "OK" => Ok(SignoffStatus::Ok),
            "BAD" => Ok(SignoffStatus::Bad),
            "unchecked" => Ok(SignoffStatus::Unchecked),
            other => Err(StoreError::Corrupt(format!("sign-off status {other:?}"))),
        }
    }
}

/// A sign-off as the web server records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSignoff {
    pub run: u32,
    pub status: SignoffStatus,
    pub comment: String,
    /// Who: the user name the proxy vouched for, or the API token's name.
    pub author: String,
    /// How the author was authenticated: "proxy" or "token".
    pub via: String,
    /// Milliseconds since 1970-01-01 UTC.
    pub signed_at_ms: i64,
}

/// A stored sign-off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signoff {
    pub id: i64,
    pub run: u32,
    pub status: SignoffStatus,
    pub comment: String,
    pub author: String,
    pub via: String,
    pub signed_at_ms: i64,
}

/// The newest evaluation and sign-off ids: when either changes, something new was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Changes {
    pub evaluation: Option<i64>,
    pub signoff: Option<i64>,
}

const SELECT: &str = "SELECT id, run, status, comment, author, via, signed_at_ms FROM signoffs s";

fn signoff(r: &Row) -> Result<Signoff, StoreError> {
    Ok(Signoff {
        id: r.i64(0)?,
        run: r.u32(1)?,
        status: SignoffStatus::parse(&r.text(2)?)?,
        comment: r.text(3)?,
        author: r.text(4)?,
        via: r.text(5)?,
        signed_at_ms: r.i64(6)?,
    })
}

fn check(s: &NewSignoff) -> Result<(), StoreError> {
    if s.comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(StoreError::Invalid(format!(
            "the comment is longer than {MAX_COMMENT_CHARS} characters"
        )));
    }
    let author = s.author.trim();
    if author.is_empty() || author.chars().count() > MAX_AUTHOR_CHARS {
        return Err(StoreError::Invalid(format!(
            "the author must be 1 to {MAX_AUTHOR_CHARS} characters"
        )));
    }
    if s.via != "proxy" && s.via != "token" {
        return Err(StoreError::Invalid(format!(
            "sign-off via {:?} is not proxy or token",
            s.via
        )));
    }
    Ok(())
}

impl Store {
    /// Record a sign-off; it becomes the run's current one. Returns it as stored.
    pub fn sign_off(&self, s: &NewSignoff) -> Result<Signoff, StoreError> {
        check(s)?;
        self.with(|c| {
            c.write(|c| {
                let rows = c.rows(
                    "INSERT INTO signoffs (run, status, comment, author, via, signed_at_ms)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    &[
                        Param::int(s.run),
                        Param::text(s.status.as_str()),
                        Param::text(&s.comment),
                        Param::text(s.author.trim()),
                        Param::text(&s.via),
                        Param::int(s.signed_at_ms),
                    ],
                )?;
                let id = rows
                    .first()
                    .ok_or_else(|| StoreError::Database("INSERT ... RETURNING gave no id".into()))?
                    .i64(0)?;
                Ok(Signoff {
                    id,
                    run: s.run,
                    status: s.status,
                    comment: s.comment.clone(),
                    author: s.author.trim().to_owned(),
                    via: s.via.clone(),
                    signed_at_ms: s.signed_at_ms,
                })
            })
        })
    }

    /// Every sign-off of the run, newest first.
    pub fn signoffs(&self, run: u32) -> Result<Vec<Signoff>, StoreError> {
        self.with(|c| {
            c.rows(
                &format!("{SELECT} WHERE run = $1 ORDER BY id DESC"),
                &[Param::int(run)],
            )?
            .iter()
            .map(signoff)
            .collect()
        })
    }

    /// The current sign-off of each of `runs` that has one.
    pub fn current_signoffs(&self, runs: &[u32]) -> Result<HashMap<u32, Signoff>, StoreError> {
        if runs.is_empty() {
            return Ok(HashMap::new());
        }
        let params: Vec<Param> = runs.iter().map(|&r| Param::int(r)).collect();
        let sql = format!(
            "{SELECT} WHERE s.run IN ({}) AND s.id = (SELECT MAX(id) FROM signoffs WHERE run = s.run)",
            marks(1, runs.len())
        );
        self.with(|c: &mut dyn Conn| {
            c.rows(&sql, &params)?
                .iter()
                .map(|r| signoff(r).map(|s| (s.run, s)))
                .collect()
        })
    }

    /// The newest evaluation and sign-off ids, for pages that poll for new results.
    pub fn changes(&self) -> Result<Changes, StoreError> {
        self.with(|c| {
            let rows = c.rows(
                "SELECT (SELECT MAX(id) FROM evaluations), (SELECT MAX(id) FROM signoffs)",
                &[],
            )?;
            let r = rows
                .first()
                .ok_or_else(|| StoreError::Database("no row for the change marker".into()))?;
            Ok(Changes {
                evaluation: r.opt_i64(0)?,
                signoff: r.opt_i64(1)?,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (Store, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!(
            "velo-dqstore-signoff-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let url = format!("sqlite://{}", dir.join("dq.sqlite3").display());
        (Store::open(&url).unwrap(), dir)
    }

    fn new(run: u32, status: SignoffStatus, comment: &str) -> NewSignoff {
        NewSignoff {
            run,
            status,
            comment: comment.into(),
            author: "shifter".into(),
            via: "proxy".into(),
            signed_at_ms: 1000,
        }
    }

    #[test]
    fn history_is_kept_and_the_newest_is_current() {
        let (s, dir) = store();
        assert_eq!(s.changes().unwrap(), Changes::default());
        let a = s.sign_off(&new(7, SignoffStatus::Bad, "noisy")).unwrap();
        let b = s
            .sign_off(&new(7, SignoffStatus::Ok, "<b>fine</b>"))
            .unwrap();
        s.sign_off(&new(8, SignoffStatus::Unchecked, "")).unwrap();
        let h = s.signoffs(7).unwrap();
        assert_eq!(h.iter().map(|x| x.id).collect::<Vec<_>>(), [b.id, a.id]);
        assert_eq!(h[0].comment, "<b>fine</b>");
        let cur = s.current_signoffs(&[7, 8, 9]).unwrap();
        assert_eq!(cur[&7].status, SignoffStatus::Ok);
        assert_eq!(cur[&8].status, SignoffStatus::Unchecked);
        assert!(!cur.contains_key(&9));
        assert_eq!(s.changes().unwrap().signoff, Some(b.id + 1));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn bad_input_is_refused_and_nothing_stored() {
        let (s, dir) = store();
        let mut long = new(1, SignoffStatus::Ok, &"x".repeat(MAX_COMMENT_CHARS + 1));
        assert!(matches!(s.sign_off(&long), Err(StoreError::Invalid(_))));
        long.comment.clear();
        long.author = "  ".into();
        assert!(matches!(s.sign_off(&long), Err(StoreError::Invalid(_))));
        assert!(s.signoffs(1).unwrap().is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
