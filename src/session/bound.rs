//! How long a run may take, computed once from the parameters.
//!
//! LifeKeeper kills a script that runs too long; a bound we document is
//! better than one LifeKeeper imposes. The bound has two parts, both
//! derived from the [`Settings`]:
//!
//! - instance metadata: every item is tried [`imds::ATTEMPTS`] times, each
//!   try bounded by `LK_CURL_TIMEOUT` and followed by a pause of
//!   [`imds::RETRY_INTERVAL`]; the region/MAC round and the VPC/ENI round
//!   run one after the other, so `2 × ATTEMPTS × (LK_CURL_TIMEOUT + pause)`;
//! - EC2: [`EC2_ROUNDS`] dependent rounds (local lookups; local searches
//!   alongside the remote regions; the writes), each bounded by one call's
//!   budget, [`Settings::remote_deadline`].

use std::time::Duration;

use crate::aws::imds;
use crate::settings::Settings;

/// Dependent EC2 rounds of a restore: local lookups, then the local TGW
/// searches alongside each remote region, then the writes.
pub const EC2_ROUNDS: u32 = 3;

/// The time budget of one run of restore, recover or quickCheck.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunBound {
    /// Finding out who this node is (instance metadata).
    pub imds: Duration,
    /// Every EC2 call of the run, reads and writes.
    pub ec2: Duration,
    /// How long one remote region may stay silent during discovery.
    pub remote: Duration,
}

impl RunBound {
    pub fn of(settings: &Settings) -> RunBound {
        let per_try = settings
            .imds_timeout
            .value
            .saturating_add(imds::RETRY_INTERVAL);
        let remote = settings.remote_deadline();
        RunBound {
            imds: per_try.saturating_mul(2 * imds::ATTEMPTS),
            ec2: remote.saturating_mul(EC2_ROUNDS),
            remote,
        }
    }

    pub fn total(&self) -> Duration {
        self.imds.saturating_add(self.ec2)
    }

    /// This bound, shrunk to fit `cap` when the caller imposes a shorter
    /// one (Pacemaker's operation timeout): both parts shrink in proportion,
    /// so locating this node still leaves EC2 its share; a remote region may
    /// stay silent for no longer than the whole EC2 part.
    pub fn capped(self, cap: Duration) -> RunBound {
        let total = self.total();
        if total <= cap {
            return self;
        }
        let share = |part: Duration| {
            let scaled = part
                .as_millis()
                .saturating_mul(cap.as_millis())
                .checked_div(total.as_millis())
                .unwrap_or(0);
            Duration::from_millis(u64::try_from(scaled).unwrap_or(u64::MAX))
        };
        let ec2 = share(self.ec2);
        RunBound {
            imds: share(self.imds),
            ec2,
            remote: self.remote.min(ec2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Settings {
        let file: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::resolve("test".into(), &file, &HashMap::new(), Vec::new())
    }

    #[test]
    fn the_bound_follows_the_parameters() {
        let s = settings(&[
            ("LK_CURL_TIMEOUT", "1"),
            ("AWSCLI_CONNECT_TIMEOUT", "1"),
            ("AWSCLI_READ_TIMEOUT", "1"),
        ]);
        let b = RunBound::of(&s);
        assert_eq!(b.imds, Duration::from_secs(9));
        assert_eq!(b.remote, s.remote_deadline());
        assert_eq!(b.ec2, 3 * s.remote_deadline());
        assert_eq!(b.total(), b.imds + b.ec2);
    }

    #[test]
    fn a_cap_shrinks_both_parts_in_proportion_and_never_grows_them() {
        let b = RunBound::of(&settings(&[]));
        assert_eq!(b.capped(b.total() + Duration::from_secs(1)), b);
        let cap = Duration::from_secs(18);
        let c = b.capped(cap);
        assert!(c.total() <= cap, "{c:?}");
        assert!(c.total() + Duration::from_millis(2) >= cap, "{c:?}");
        assert!(c.imds < b.imds && c.ec2 < b.ec2);
        assert!(c.remote <= c.ec2);
        assert_eq!(b.capped(Duration::ZERO).total(), Duration::ZERO);
    }
}
