//! Alarms (migration 0003): what the rules found, one row per rule, run and subject, with its
//! append-only history of events; the notification digests and their delivery log.
//!
//! The rules themselves live in `veloview::alarms`: this module only keeps their findings. It
//! turns a set of findings for one run (or for the system, run 0) into opened, updated,
//! reopened and resolved alarms, in one transaction.

use crate::sql::{marks, Conn, Param, Row};
use crate::{Store, StoreError, MAX_COMMENT_CHARS};
use serde::{Deserialize, Serialize};

/// The run number of alarms about the system rather than a run.
pub const SYSTEM_RUN: u32 = 0;
/// The most alarms [`Store::alarms`] returns in one page.
pub const MAX_ALARM_PAGE: u32 = 500;
const MAX_AUTHOR_CHARS: usize = 200;
const MAX_TEXT_CHARS: usize = 2000;

/// What a rule found: the alarm to open or keep open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewFiring {
    pub rule: String,
    pub subject: String,
    pub value: Option<f64>,
    /// "WARNING" or "ERROR".
    pub level: String,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlarmState {
    Open,
    Acknowledged,
    Resolved,
}

impl AlarmState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlarmState::Open => "open",
            AlarmState::Acknowledged => "acknowledged",
            AlarmState::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<AlarmState> {
        Some(match s {
            "open" => AlarmState::Open,
            "acknowledged" => AlarmState::Acknowledged,
            "resolved" => AlarmState::Resolved,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    pub id: i64,
    pub rule: String,
    /// [`SYSTEM_RUN`] for operational alarms.
    pub run: u32,
    pub subject: String,
    pub value: Option<f64>,
    pub level: String,
    pub message: String,
    pub first_seen_ms: i64,
    pub last_seen_ms: i64,
    pub state: AlarmState,
    /// When it entered its state.
    pub state_ms: i64,
    pub by_user: Option<String>,
    pub comment: Option<String>,
}

/// One change of an alarm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmEvent {
    pub id: i64,
    pub alarm_id: i64,
    /// "opened", "reopened", "acknowledged" or "resolved".
    pub event: String,
    pub at_ms: i64,
    /// `None` when the rules made the change.
    pub by_user: Option<String>,
    pub comment: Option<String>,
}

/// What recording one run's findings changed (alarm ids).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmChanges {
    pub opened: Vec<i64>,
    pub reopened: Vec<i64>,
    /// Still firing: last seen now.
    pub seen: Vec<i64>,
    pub resolved: Vec<i64>,
}

/// Which alarms, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmQuery {
    pub state: Option<AlarmState>,
    pub rule: Option<String>,
    pub run: Option<u32>,
    /// 1 to [`MAX_ALARM_PAGE`] (0 means 1, more means the maximum).
    pub limit: u32,
    /// Alarms with a lower id: the `next` of the previous page.
    pub cursor: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmPage {
    pub alarms: Vec<Alarm>,
    pub next: Option<i64>,
}

/// Open and acknowledged alarms, and the newest event: when it changes, something happened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlarmCounts {
    pub open: u64,
    pub acknowledged: u64,
    pub last_event: Option<i64>,
}

/// A notification to send: the alarms a rule opened, reopened or resolved since its previous
/// digest (each once, in its current state).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Digest {
    pub id: i64,
    pub rule: String,
    pub created_ms: i64,
    pub alarms: Vec<Alarm>,
}

/// One digest sent (or not) to one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub id: i64,
    pub digest_id: i64,
    pub rule: String,
    /// "webhook" or "email".
    pub channel: String,
    /// "delivered" or "failed".
    pub status: String,
    pub attempts: u32,
    pub error: Option<String>,
    pub finished_ms: i64,
    /// How many alarms the digest listed.
    pub alarms: u32,
}

const SELECT: &str = "SELECT id, rule, run, subject, value, level, message, first_seen_ms,
    last_seen_ms, state, state_ms, by_user, comment FROM alarms";

fn alarm(r: &Row) -> Result<Alarm, StoreError> {
    let state = r.text(9)?;
    Ok(Alarm {
        id: r.i64(0)?,
        rule: r.text(1)?,
        run: r.u32(2)?,
        subject: r.text(3)?,
        value: r.opt_f64(4)?,
        level: r.text(5)?,
        message: r.text(6)?,
        first_seen_ms: r.i64(7)?,
        last_seen_ms: r.i64(8)?,
        state: AlarmState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("alarm state {state:?}")))?,
        state_ms: r.i64(10)?,
        by_user: r.opt_text(11)?,
        comment: r.opt_text(12)?,
    })
}

/// The alarms digest `id` tells of, each once (even if it was opened, resolved and reopened
/// meanwhile), in their current state.
fn digest_alarms(c: &mut dyn Conn, id: i64) -> Result<Vec<Alarm>, StoreError> {
    c.rows(
        &format!(
            "{SELECT} WHERE id IN (SELECT alarm_id FROM alarm_events WHERE digest_id = $1)
             ORDER BY run, subject"
        ),
        &[Param::int(id)],
    )?
    .iter()
    .map(alarm)
    .collect()
}

fn event(
    c: &mut dyn Conn,
    alarm: i64,
    what: &str,
    at: i64,
    user: Option<(&str, &str)>,
) -> Result<(), StoreError> {
    c.exec(
        "INSERT INTO alarm_events (alarm_id, event, at_ms, by_user, comment) VALUES ($1, $2, $3, $4, $5)",
        &[
            Param::int(alarm),
            Param::text(what),
            Param::int(at),
            Param::Text(user.map(|u| u.0.to_string())),
            Param::Text(user.map(|u| u.1.to_string())),
        ],
    )?;
    Ok(())
}

fn check_firing(f: &NewFiring) -> Result<(), StoreError> {
    if f.level != "WARNING" && f.level != "ERROR" {
        return Err(StoreError::Invalid(format!(
            "alarm level {:?} is not WARNING or ERROR",
            f.level
        )));
    }
    if f.value.is_some_and(|v| !v.is_finite()) {
        return Err(StoreError::Invalid(format!(
            "alarm {}/{}: the value is not finite",
            f.rule, f.subject
        )));
    }
    for (what, s) in [
        ("rule", &f.rule),
        ("subject", &f.subject),
        ("message", &f.message),
    ] {
        if s.chars().count() > MAX_TEXT_CHARS || (what != "message" && s.is_empty()) {
            return Err(StoreError::Invalid(format!(
                "alarm {what}: 1 to {MAX_TEXT_CHARS} characters"
            )));
        }
    }
    Ok(())
}

fn check_user(user: &str, comment: &str) -> Result<(), StoreError> {
    let n = user.trim().chars().count();
    if n == 0 || n > MAX_AUTHOR_CHARS {
        return Err(StoreError::Invalid(format!(
            "the user must be 1 to {MAX_AUTHOR_CHARS} characters"
        )));
    }
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(StoreError::Invalid(format!(
            "the comment is longer than {MAX_COMMENT_CHARS} characters"
        )));
    }
    Ok(())
}

impl Store {
    /// Record what `rules` found on `run` ([`SYSTEM_RUN`] for operational rules) at `now_ms`:
    /// each firing opens its alarm, or updates it (reopening it if it was resolved); an alarm of
    /// one of `rules` on this run that no longer fires is resolved. Alarms of other rules are
    /// left alone (a rule removed from the file does not resolve its alarms).
    pub fn record_alarms(
        &self,
        run: u32,
        rules: &[String],
        firing: &[NewFiring],
        now_ms: i64,
    ) -> Result<AlarmChanges, StoreError> {
        for f in firing {
            check_firing(f)?;
            if !rules.contains(&f.rule) {
                return Err(StoreError::Invalid(format!(
                    "alarm rule {:?} is not among the rules judged",
                    f.rule
                )));
            }
        }
        if rules.is_empty() {
            return Ok(AlarmChanges::default());
        }
        self.with(|c| {
            c.write(|c| {
                let mut params = vec![Param::int(run)];
                params.extend(rules.iter().map(|r| Param::text(r)));
                let existing: Vec<Alarm> = c
                    .rows(
                        &format!(
                            "{SELECT} WHERE run = $1 AND rule IN ({})",
                            marks(2, rules.len())
                        ),
                        &params,
                    )?
                    .iter()
                    .map(alarm)
                    .collect::<Result<_, _>>()?;
                let mut changes = AlarmChanges::default();
                for f in firing {
                    let found = existing
                        .iter()
                        .find(|a| a.rule == f.rule && a.subject == f.subject);
                    let values = [
                        Param::Real(f.value),
                        Param::text(&f.level),
                        Param::text(&f.message),
                        Param::int(now_ms),
                    ];
                    match found {
                        Some(a) if a.state == AlarmState::Resolved => {
                            let mut p = values.to_vec();
                            p.push(Param::int(a.id));
                            c.exec(
                                "UPDATE alarms SET value = $1, level = $2, message = $3,
                                     last_seen_ms = $4, state = 'open', state_ms = $4,
                                     by_user = NULL, comment = NULL
                                 WHERE id = $5",
                                &p,
                            )?;
                            event(c, a.id, "reopened", now_ms, None)?;
                            changes.reopened.push(a.id);
                        }
                        Some(a) => {
                            let mut p = values.to_vec();
                            p.push(Param::int(a.id));
                            c.exec(
                                "UPDATE alarms SET value = $1, level = $2, message = $3,
                                     last_seen_ms = $4
                                 WHERE id = $5",
                                &p,
                            )?;
                            changes.seen.push(a.id);
                        }
                        None => {
                            let mut p = values.to_vec();
                            p.extend([
                                Param::text(&f.rule),
                                Param::int(run),
                                Param::text(&f.subject),
                            ]);
                            let id = c
                                .rows(
                                    "INSERT INTO alarms (value, level, message, first_seen_ms,
                                         last_seen_ms, state, state_ms, rule, run, subject)
                                     VALUES ($1, $2, $3, $4, $4, 'open', $4, $5, $6, $7)
                                     RETURNING id",
                                    &p,
                                )?
                                .first()
                                .ok_or_else(|| {
                                    StoreError::Database("INSERT ... RETURNING gave no id".into())
                                })?
                                .i64(0)?;
                            event(c, id, "opened", now_ms, None)?;
                            changes.opened.push(id);
                        }
                    }
                }
                for a in &existing {
                    let still = firing
                        .iter()
                        .any(|f| f.rule == a.rule && f.subject == a.subject);
                    if still || a.state == AlarmState::Resolved {
                        continue;
                    }
                    c.exec(
                        "UPDATE alarms SET state = 'resolved', state_ms = $1, by_user = NULL,
                             comment = NULL
                         WHERE id = $2",
                        &[Param::int(now_ms), Param::int(a.id)],
                    )?;
                    event(c, a.id, "resolved", now_ms, None)?;
                    changes.resolved.push(a.id);
                }
                Ok(changes)
            })
        })
    }

    /// Acknowledge an open alarm: someone is on it. `None` if there is no such alarm; refused
    /// (Invalid) unless it is open.
    pub fn acknowledge_alarm(
        &self,
        id: i64,
        user: &str,
        comment: &str,
        now_ms: i64,
    ) -> Result<Option<Alarm>, StoreError> {
        self.set_alarm_state(id, AlarmState::Acknowledged, user, comment, now_ms)
    }

    /// Resolve an open or acknowledged alarm by hand. `None` if there is no such alarm.
    pub fn resolve_alarm(
        &self,
        id: i64,
        user: &str,
        comment: &str,
        now_ms: i64,
    ) -> Result<Option<Alarm>, StoreError> {
        self.set_alarm_state(id, AlarmState::Resolved, user, comment, now_ms)
    }

    fn set_alarm_state(
        &self,
        id: i64,
        to: AlarmState,
        user: &str,
        comment: &str,
        now_ms: i64,
    ) -> Result<Option<Alarm>, StoreError> {
        check_user(user, comment)?;
        let user = user.trim();
        self.with(|c| {
            c.write(|c| {
                let Some(a) = c
                    .rows(&format!("{SELECT} WHERE id = $1"), &[Param::int(id)])?
                    .first()
                    .map(alarm)
                    .transpose()?
                else {
                    return Ok(None);
                };
                let allowed = match to {
                    AlarmState::Acknowledged => a.state == AlarmState::Open,
                    _ => a.state != AlarmState::Resolved,
                };
                if !allowed {
                    return Err(StoreError::Invalid(format!(
                        "alarm {id} is {}: it cannot be {}",
                        a.state.as_str(),
                        to.as_str()
                    )));
                }
                c.exec(
                    "UPDATE alarms SET state = $1, state_ms = $2, by_user = $3, comment = $4
                     WHERE id = $5",
                    &[
                        Param::text(to.as_str()),
                        Param::int(now_ms),
                        Param::text(user),
                        Param::text(comment),
                        Param::int(id),
                    ],
                )?;
                event(c, id, to.as_str(), now_ms, Some((user, comment)))?;
                Ok(Some(Alarm {
                    state: to,
                    state_ms: now_ms,
                    by_user: Some(user.to_string()),
                    comment: Some(comment.to_string()),
                    ..a
                }))
            })
        })
    }

    pub fn alarm(&self, id: i64) -> Result<Option<Alarm>, StoreError> {
        self.with(|c| {
            c.rows(&format!("{SELECT} WHERE id = $1"), &[Param::int(id)])?
                .first()
                .map(alarm)
                .transpose()
        })
    }

    /// A page of alarms, newest first.
    pub fn alarms(&self, q: &AlarmQuery) -> Result<AlarmPage, StoreError> {
        let limit = q.limit.clamp(1, MAX_ALARM_PAGE);
        let mut cond = Vec::new();
        let mut params = Vec::new();
        let mut add = |sql: &str, p: Param| {
            params.push(p);
            cond.push(format!("{sql} ${}", params.len()));
        };
        if let Some(s) = q.state {
            add("state =", Param::text(s.as_str()));
        }
        if let Some(r) = &q.rule {
            add("rule =", Param::text(r));
        }
        if let Some(r) = q.run {
            add("run =", Param::int(r));
        }
        if let Some(c) = q.cursor {
            add("id <", Param::int(c));
        }
        let filter = if cond.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", cond.join(" AND "))
        };
        params.push(Param::int(i64::from(limit) + 1));
        let sql = format!("{SELECT} {filter} ORDER BY id DESC LIMIT ${}", params.len());
        self.with(|c| {
            let mut alarms: Vec<Alarm> = c
                .rows(&sql, &params)?
                .iter()
                .map(alarm)
                .collect::<Result<_, _>>()?;
            let next = (alarms.len() > limit as usize).then(|| {
                alarms.truncate(limit as usize);
                alarms[alarms.len() - 1].id
            });
            Ok(AlarmPage { alarms, next })
        })
    }

    /// An alarm's history, oldest first.
    pub fn alarm_events(&self, id: i64) -> Result<Vec<AlarmEvent>, StoreError> {
        self.with(|c| {
            c.rows(
                "SELECT id, alarm_id, event, at_ms, by_user, comment FROM alarm_events
                 WHERE alarm_id = $1 ORDER BY id",
                &[Param::int(id)],
            )?
            .iter()
            .map(|r| {
                Ok(AlarmEvent {
                    id: r.i64(0)?,
                    alarm_id: r.i64(1)?,
                    event: r.text(2)?,
                    at_ms: r.i64(3)?,
                    by_user: r.opt_text(4)?,
                    comment: r.opt_text(5)?,
                })
            })
            .collect()
        })
    }

    /// Open and acknowledged counts and the newest event id: what the navigation badge and the
    /// live pages poll (two index lookups).
    pub fn alarm_counts(&self) -> Result<AlarmCounts, StoreError> {
        self.with(|c| {
            let rows = c.rows(
                "SELECT (SELECT COUNT(*) FROM alarms WHERE state = 'open'),
                        (SELECT COUNT(*) FROM alarms WHERE state = 'acknowledged'),
                        (SELECT MAX(id) FROM alarm_events)",
                &[],
            )?;
            let r = rows
                .first()
                .ok_or_else(|| StoreError::Database("no row for the alarm counts".into()))?;
            Ok(AlarmCounts {
                open: r.i64(0)? as u64,
                acknowledged: r.i64(1)? as u64,
                last_event: r.opt_i64(2)?,
            })
        })
    }

    /// Take the notifications due at `now_ms`: for each rule with alarms opened, reopened or
    /// resolved and not yet notified, and no digest in the last `interval_ms`, one digest
    /// listing them all, each in its current state. A burst of alarms of one rule thus costs
    /// one message per interval, and the shift also hears when what it was told of clears.
    pub fn take_digests(&self, interval_ms: i64, now_ms: i64) -> Result<Vec<Digest>, StoreError> {
        self.with(|c| {
            c.write(|c| {
                let pending: Vec<String> = c
                    .rows(
                        "SELECT DISTINCT a.rule FROM alarm_events e JOIN alarms a ON a.id = e.alarm_id
                         WHERE e.digest_id IS NULL AND e.event IN ('opened', 'reopened', 'resolved')",
                        &[],
                    )?
                    .iter()
                    .map(|r| r.text(0))
                    .collect::<Result<_, _>>()?;
                let mut digests = Vec::new();
                for rule in pending {
                    let recent = c.rows(
                        "SELECT COUNT(*) FROM alarm_digests WHERE rule = $1 AND created_ms > $2",
                        &[Param::text(&rule), Param::int(now_ms - interval_ms)],
                    )?;
                    if recent.first().map(|r| r.i64(0)).transpose()?.unwrap_or(0) > 0 {
                        continue;
                    }
                    let id = c
                        .rows(
                            "INSERT INTO alarm_digests (rule, created_ms, alarms) VALUES ($1, $2, 0)
                             RETURNING id",
                            &[Param::text(&rule), Param::int(now_ms)],
                        )?
                        .first()
                        .ok_or_else(|| StoreError::Database("INSERT ... RETURNING gave no id".into()))?
                        .i64(0)?;
                    c.exec(
                        "UPDATE alarm_events SET digest_id = $1
                         WHERE digest_id IS NULL AND event IN ('opened', 'reopened', 'resolved')
                           AND alarm_id IN (SELECT id FROM alarms WHERE rule = $2)",
                        &[Param::int(id), Param::text(&rule)],
                    )?;
                    let alarms = digest_alarms(c, id)?;
                    c.exec(
                        "UPDATE alarm_digests SET alarms = $1 WHERE id = $2",
                        &[Param::int(alarms.len() as i64), Param::int(id)],
                    )?;
                    digests.push(Digest {
                        id,
                        rule,
                        created_ms: now_ms,
                        alarms,
                    });
                }
                Ok(digests)
            })
        })
    }

    /// Digests taken between `since_ms` and `before_ms` that lack a logged delivery on one of
    /// `channels`: the process that took them died before sending on that channel (the alarm
    /// duty runs in one process at a time, and logs each channel's outcome as soon as it has
    /// one). Oldest first, each with its alarms in their current state and the channels it was
    /// already sent on, for the duty to send on the others.
    pub fn undelivered_digests(
        &self,
        since_ms: i64,
        before_ms: i64,
        channels: &[&str],
    ) -> Result<Vec<(Digest, Vec<String>)>, StoreError> {
        if channels.is_empty() {
            return Ok(Vec::new());
        }
        self.with(|c| {
            // One query for the round's usual answer (nothing left); the channels already sent
            // on only for what it finds.
            let mut params = vec![Param::int(since_ms), Param::int(before_ms)];
            params.extend(channels.iter().map(|ch| Param::text(ch)));
            params.push(Param::int(channels.len() as i64));
            let heads = c.rows(
                &format!(
                    "SELECT id, rule, created_ms FROM alarm_digests d
                     WHERE created_ms >= $1 AND created_ms <= $2
                       AND (SELECT COUNT(DISTINCT channel) FROM alarm_deliveries v
                            WHERE v.digest_id = d.id AND v.channel IN ({})) < ${}
                     ORDER BY id",
                    marks(3, channels.len()),
                    3 + channels.len()
                ),
                &params,
            )?;
            let mut out = Vec::new();
            for h in &heads {
                let id = h.i64(0)?;
                let done: Vec<String> = c
                    .rows(
                        "SELECT DISTINCT channel FROM alarm_deliveries WHERE digest_id = $1",
                        &[Param::int(id)],
                    )?
                    .iter()
                    .map(|r| r.text(0))
                    .collect::<Result<_, _>>()?;
                let alarms = digest_alarms(c, id)?;
                let digest = Digest {
                    id,
                    rule: h.text(1)?,
                    created_ms: h.i64(2)?,
                    alarms,
                };
                out.push((digest, done));
            }
            Ok(out)
        })
    }

    /// Log how sending a digest to a channel ended.
    pub fn record_delivery(
        &self,
        digest_id: i64,
        channel: &str,
        delivered: bool,
        attempts: u32,
        error: Option<&str>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        if channel != "webhook" && channel != "email" {
            return Err(StoreError::Invalid(format!("channel {channel:?}")));
        }
        self.with(|c| {
            c.exec(
                "INSERT INTO alarm_deliveries (digest_id, channel, status, attempts, error, finished_ms)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    Param::int(digest_id),
                    Param::text(channel),
                    Param::text(if delivered { "delivered" } else { "failed" }),
                    Param::int(attempts),
                    Param::Text(error.map(|e| e.chars().take(MAX_TEXT_CHARS).collect())),
                    Param::int(now_ms),
                ],
            )?;
            Ok(())
        })
    }

    /// The newest `limit` deliveries, newest first.
    pub fn deliveries(&self, limit: u32) -> Result<Vec<Delivery>, StoreError> {
        self.with(|c| {
            c.rows(
                "SELECT d.id, d.digest_id, g.rule, d.channel, d.status, d.attempts, d.error,
                        d.finished_ms, g.alarms
                 FROM alarm_deliveries d JOIN alarm_digests g ON g.id = d.digest_id
                 ORDER BY d.id DESC LIMIT $1",
                &[Param::int(limit.clamp(1, 10_000))],
            )?
            .iter()
            .map(|r| {
                Ok(Delivery {
                    id: r.i64(0)?,
                    digest_id: r.i64(1)?,
                    rule: r.text(2)?,
                    channel: r.text(3)?,
                    status: r.text(4)?,
                    attempts: r.u32(5)?,
                    error: r.opt_text(6)?,
                    finished_ms: r.i64(7)?,
                    alarms: r.u32(8)?,
                })
            })
            .collect()
        })
    }

    /// The values of `var` in the current evaluations of the `n` runs before `run`, oldest
    /// first: the history a trend rule compares a run with.
    pub fn trend_before(&self, var: &str, run: u32, n: usize) -> Result<Vec<f64>, StoreError> {
        self.with(|c| {
            let mut v: Vec<f64> = c
                .rows(
                    "SELECT value FROM current_trends WHERE var = $1 AND run < $2
                     ORDER BY run DESC LIMIT $3",
                    &[
                        Param::text(var),
                        Param::int(run),
                        Param::int(n.min(100_000) as i64),
                    ],
                )?
                .iter()
                .map(|r| r.f64(0))
                .collect::<Result<_, _>>()?;
            v.reverse();
            Ok(v)
        })
    }

    /// The newest evaluation time of any run, for the "stalled" rule.
    pub fn last_evaluated_ms(&self) -> Result<Option<i64>, StoreError> {
        self.with(|c| {
            c.rows("SELECT MAX(evaluated_at_ms) FROM evaluations", &[])?
                .first()
                .map(|r| r.opt_i64(0))
                .transpose()
                .map(Option::flatten)
        })
    }
}
