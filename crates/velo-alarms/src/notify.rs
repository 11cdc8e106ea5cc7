//! Sending a digest: a signed JSON POST to the webhook and an e-mail through SMTP, each tried a
//! few times with exponential back-off, the outcome logged in the store's delivery log. Blocking
//! I/O: run it on a blocking thread. Evaluations never wait for it (they only record alarms; the
//! alarm duty sends what is due), so a receiver that is down delays nothing but its own messages.

use hmac::{Hmac, KeyInit, Mac};
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{Message, SmtpTransport, Transport};
use serde_json::json;
use sha2::Sha256;
use std::time::Duration;
use velo_config::Settings;
use velo_dqstore::{AlarmState, Digest, Store, SYSTEM_RUN};

/// How long one attempt may take, connection included.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest wait between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// Alarms listed one by one in an e-mail; the rest are counted.
const MAX_LISTED: usize = 200;

pub struct Webhook {
    pub url: String,
    pub secret: String,
    agent: ureq::Agent,
}

pub struct Email {
    pub from: Mailbox,
    pub to: Vec<Mailbox>,
    transport: SmtpTransport,
}

/// Where notifications go, and how hard to try.
pub struct Channels {
    pub webhook: Option<Webhook>,
    pub email: Option<Email>,
    pub attempts: u32,
    pub backoff: Duration,
}

impl Channels {
    /// From the settings; a bad address is an error at start, not at the first alarm.
    pub fn from_settings(s: &Settings) -> anyhow::Result<Channels> {
        let webhook = (!s.alarm_webhook_url.trim().is_empty()).then(|| {
            let agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(ATTEMPT_TIMEOUT))
                .build()
                .into();
            Webhook {
                url: s.alarm_webhook_url.trim().to_string(),
                secret: s.alarm_webhook_secret.clone(),
                agent,
            }
        });
        if webhook.as_ref().is_some_and(|w| w.secret.is_empty()) {
            anyhow::bail!("alarm_webhook_url is set but alarm_webhook_secret is empty: receivers could not tell our messages from forgeries");
        }
        let email = if s.alarm_smtp_host.trim().is_empty() {
            None
        } else {
            let parse = |a: &str| {
                a.trim()
                    .parse::<Mailbox>()
                    .map_err(|e| anyhow::anyhow!("alarm e-mail address {a:?}: {e}"))
            };
            let to = s
                .alarm_email_to
                .split(',')
                .filter(|a| !a.trim().is_empty())
                .map(parse)
                .collect::<anyhow::Result<Vec<_>>>()?;
            anyhow::ensure!(
                !to.is_empty(),
                "alarm_smtp_host is set but alarm_email_to is empty"
            );
            // Plain SMTP to the site's relay (no TLS built in, see worker/Cargo.toml).
            let transport = SmtpTransport::builder_dangerous(s.alarm_smtp_host.trim())
                .port(s.alarm_smtp_port)
                .timeout(Some(ATTEMPT_TIMEOUT))
                .build();
            Some(Email {
                from: parse(&s.alarm_email_from)?,
                to,
                transport,
            })
        };
        Ok(Channels {
            webhook,
            email,
            attempts: s.alarm_attempts.max(1),
            backoff: Duration::from_millis(s.alarm_retry_base_ms),
        })
    }

    pub fn any(&self) -> bool {
        self.webhook.is_some() || self.email.is_some()
    }

    /// The configured channels' names, as the delivery log has them.
    pub fn names(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.webhook.is_some() {
            names.push("webhook");
        }
        if self.email.is_some() {
            names.push("email");
        }
        names
    }

    /// The longest a round may take to log a channel's outcome after taking its digest: every
    /// attempt timing out, with the waits between them, on both channels.
    pub fn longest_delivery(&self) -> Duration {
        (ATTEMPT_TIMEOUT * self.attempts + self.waits().sum::<Duration>()) * 2
    }

    /// The waits between a channel's attempts: from `backoff`, doubling, at most [`MAX_BACKOFF`].
    fn waits(&self) -> impl Iterator<Item = Duration> {
        std::iter::successors(Some(self.backoff), |w| Some((*w * 2).min(MAX_BACKOFF)))
            .take(self.attempts.saturating_sub(1) as usize)
    }

    /// Send `d` on every channel and log each outcome. Errors are the store's.
    pub fn deliver(&self, store: &Store, d: &Digest) -> Result<(), velo_dqstore::StoreError> {
        self.deliver_except(store, d, &[])
    }

    /// As [`Channels::deliver`], leaving out the channels named in `sent`.
    pub fn deliver_except(
        &self,
        store: &Store,
        d: &Digest,
        sent: &[String],
    ) -> Result<(), velo_dqstore::StoreError> {
        let skip = |ch: &str| sent.iter().any(|s| s == ch);
        if let Some(w) = self.webhook.as_ref().filter(|_| !skip("webhook")) {
            let body = webhook_body(d);
            let (ok, attempts, error) = self.retry(|| w.post(&body));
            log(d, "webhook", ok, &error);
            store.record_delivery(d.id, "webhook", ok, attempts, error.as_deref(), now_ms())?;
        }
        if let Some(e) = self.email.as_ref().filter(|_| !skip("email")) {
            let (ok, attempts, error) = self.retry(|| e.send(d));
            log(d, "email", ok, &error);
            store.record_delivery(d.id, "email", ok, attempts, error.as_deref(), now_ms())?;
        }
        Ok(())
    }

    /// (delivered, attempts made, the last error).
    fn retry(&self, mut once: impl FnMut() -> Result<(), String>) -> (bool, u32, Option<String>) {
        let mut waits = self.waits();
        let mut error = None;
        for attempt in 1..=self.attempts {
            match once() {
                Ok(()) => return (true, attempt, None),
                Err(e) => error = Some(e),
            }
            if let Some(wait) = waits.next() {
                std::thread::sleep(wait);
            }
        }
        (false, self.attempts, error)
    }
}

fn log(d: &Digest, channel: &str, ok: bool, error: &Option<String>) {
    if ok {
        tracing::info!(rule = %d.rule, alarms = d.alarms.len(), channel, "alarm notification sent");
    } else {
        tracing::warn!(rule = %d.rule, alarms = d.alarms.len(), channel,
            error = error.as_deref().unwrap_or(""), "alarm notification failed");
    }
}

/// The webhook's JSON: the rule, every alarm of the digest (each with its state: open,
/// acknowledged or resolved), how many of them are resolved, and the runs they are about.
pub fn webhook_body(d: &Digest) -> String {
    json!({
        "rule": d.rule,
        "digest_id": d.id,
        "created_ms": d.created_ms,
        "count": d.alarms.len(),
        "resolved": resolved(d),
        "runs": runs(d),
        "alarms": d.alarms,
    })
    .to_string()
}

fn resolved(d: &Digest) -> usize {
    d.alarms
        .iter()
        .filter(|a| a.state == AlarmState::Resolved)
        .count()
}

fn runs(d: &Digest) -> Vec<u32> {
    let mut runs: Vec<u32> = d
        .alarms
        .iter()
        .map(|a| a.run)
        .filter(|&r| r != SYSTEM_RUN)
        .collect();
    runs.dedup();
    runs
}

/// `sha256=<hex HMAC-SHA256 of body with secret>`: what `X-Velo-Signature` carries.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

impl Webhook {
    fn post(&self, body: &str) -> Result<(), String> {
        let r = self
            .agent
            .post(&self.url)
            .header("Content-Type", "application/json")
            .header("X-Velo-Signature", signature(&self.secret, body.as_bytes()))
            .send(body)
            .map_err(|e| e.to_string())?;
        let status = r.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {}", status.as_u16()))
        }
    }
}

impl Email {
    fn send(&self, d: &Digest) -> Result<(), String> {
        let mut b = Message::builder()
            .from(self.from.clone())
            .subject(subject(d))
            .header(ContentType::TEXT_PLAIN);
        for to in &self.to {
            b = b.to(to.clone());
        }
        let msg = b.body(email_body(d)).map_err(|e| e.to_string())?;
        self.transport
            .send(&msg)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The subject names the rule and the runs; a digest that only says alarms cleared says so.
fn subject(d: &Digest) -> String {
    let all_resolved = !d.alarms.is_empty() && resolved(d) == d.alarms.len();
    let subject = subject_of_firings(d);
    if all_resolved {
        format!("{subject} (resolved)")
    } else {
        subject
    }
}

fn subject_of_firings(d: &Digest) -> String {
    let runs = runs(d);
    match runs.as_slice() {
        [] => format!(
            "[VELO alarm] {}: {}",
            d.rule,
            d.alarms.first().map_or("", |a| a.message.as_str())
        ),
        [run] => format!("[VELO alarm] {} on run {run}", d.rule),
        [first, .., last] => format!(
            "[VELO alarm] {} on {} runs ({first}-{last})",
            d.rule,
            runs.len()
        ),
    }
}

fn email_body(d: &Digest) -> String {
    let mut text = match resolved(d) {
        0 => format!("{} alarm(s) of rule {}:\n\n", d.alarms.len(), d.rule),
        n => format!(
            "{} alarm(s) of rule {} ({n} of them resolved):\n\n",
            d.alarms.len(),
            d.rule
        ),
    };
    for a in d.alarms.iter().take(MAX_LISTED) {
        let run = if a.run == SYSTEM_RUN {
            "system".to_string()
        } else {
            format!("run {}", a.run)
        };
        // Messages come from node titles and keys, which a ROOT file does not choose; still,
        // one line per alarm whatever they hold.
        let message = a.message.replace(['\r', '\n'], " ");
        let state = if a.state == AlarmState::Resolved {
            ", resolved"
        } else {
            ""
        };
        text.push_str(&format!(
            "- {run} [{}{state}] {}: {message}\n",
            a.level, a.subject
        ));
    }
    if d.alarms.len() > MAX_LISTED {
        text.push_str(&format!("... and {} more\n", d.alarms.len() - MAX_LISTED));
    }
    text.push_str("\nAcknowledge them on the alarms page: /velo_view/alarms\n");
    text
}

fn now_ms() -> i64 {
    velo_jobs::record::now_ms() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_the_cap_and_bound_a_delivery() {
        let channels = |attempts, backoff| Channels {
            webhook: None,
            email: None,
            attempts,
            backoff: Duration::from_secs(backoff),
        };
        let secs = |c: &Channels| c.waits().map(|w| w.as_secs()).collect::<Vec<_>>();
        assert_eq!(secs(&channels(4, 1)), [1, 2, 4]);
        assert_eq!(secs(&channels(3, 200)), [200, 300]);
        assert_eq!(secs(&channels(1, 1)), Vec::<u64>::new());
        // Four attempts of 10 s and 7 s of waits, on both channels.
        assert_eq!(channels(4, 1).longest_delivery(), Duration::from_secs(94));
    }

    #[test]
    fn signature_is_the_hmac_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
