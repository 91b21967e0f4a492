//! Sign-in throttling, per account and per client address, so that neither guessing one
//! observer's password nor spraying many accounts from one address gets far.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_FAILURES_PER_ACCOUNT: usize = 5;
const MAX_FAILURES_PER_ADDRESS: usize = 30;

#[derive(Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginThrottle {
    /// Seconds until another attempt is allowed, or `None` if it may go ahead now.
    pub fn blocked_for(&self, username: &str, address: &str) -> Option<u64> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let checks =
            [(account_key(username), MAX_FAILURES_PER_ACCOUNT), (address_key(address), MAX_FAILURES_PER_ADDRESS)];
        checks
            .into_iter()
            .filter_map(|(key, limit)| {
                let times = failures.get_mut(&key)?;
                times.retain(|t| now.duration_since(*t) < WINDOW);
                (times.len() >= limit).then(|| {
                    let oldest = times[times.len() - limit];
                    WINDOW.saturating_sub(now.duration_since(oldest)).as_secs().max(1)
                })
            })
            .max()
    }

    pub fn record_failure(&self, username: &str, address: &str) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in [account_key(username), address_key(address)] {
            failures.entry(key).or_default().push(now);
        }
        // Keep memory bounded under a spray of distinct usernames.
        if failures.len() > 100_000 {
            failures.retain(|_, times| times.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
    }

    pub fn record_success(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&account_key(username));
    }
}

fn account_key(username: &str) -> String {
    format!("account:{}", username.trim().to_ascii_lowercase())
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_blocked_after_five_failures_from_anywhere() {
        let throttle = LoginThrottle::default();
        for i in 0..MAX_FAILURES_PER_ACCOUNT {
            assert_eq!(throttle.blocked_for("aysel", &format!("10.0.0.{i}")), None);
            throttle.record_failure("aysel", &format!("10.0.0.{i}"));
        }
        assert!(throttle.blocked_for("AYSEL", "10.9.9.9").is_some());
        assert_eq!(throttle.blocked_for("rauf", "10.9.9.9"), None);
    }

    #[test]
    fn an_address_is_blocked_after_spraying_many_accounts() {
        let throttle = LoginThrottle::default();
        for i in 0..MAX_FAILURES_PER_ADDRESS {
            throttle.record_failure(&format!("user{i}"), "203.0.113.7");
        }
        assert!(throttle.blocked_for("someone-new", "203.0.113.7").is_some());
        assert_eq!(throttle.blocked_for("someone-new", "203.0.113.8"), None);
    }
}
