//! Fault and behaviour knobs a test turns to make the emulator misbehave the
//! way AWS does on a bad day: latency, throttling, regional outages, IMDS
//! faults, denied actions, garbled answers and forced pagination.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// What a region's EC2 endpoint does during an outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Outage {
    #[default]
    None,
    /// Accept the request and never answer until the outage is cleared, the
    /// emulator stops, or [`HANG_LIMIT`] passes.
    Hang,
    /// Answer 503 `Unavailable`.
    Unavailable,
    /// Answer reads normally but hold every `Replace*` call like [`Outage::Hang`]:
    /// a region whose control plane reads but cannot write.
    HangWrites,
    /// Answer 500 `InternalError`, as EC2 does when it fails internally.
    InternalError,
}

impl Outage {
    /// Whether this outage holds a request for `action`.
    pub fn hangs(self, action: &str) -> bool {
        match self {
            Outage::Hang => true,
            Outage::HangWrites => action.starts_with("Replace"),
            Outage::None | Outage::Unavailable | Outage::InternalError => false,
        }
    }
}

/// How a well-framed HTTP 200 answer is garbled: what a broken middlebox,
/// a proxy error page or a connection cut mid-document delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    /// The XML document cut after the last `>` in its first half: every
    /// token is well formed, the document just stops (Content-Length still
    /// matches what is sent). A lenient parser takes it for a shorter answer.
    Truncated,
    /// A body that is not XML at all (an HTML error page).
    Garbage,
}

/// An active garbling fault and how many more answers it affects.
#[derive(Debug, Clone, Copy)]
pub struct MalformedState {
    pub kind: Malformed,
    pub remaining: Option<u32>,
}

/// How a node's IMDS misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImdsFault {
    #[default]
    None,
    /// Never answer (any request).
    Hang,
    /// 200 with an empty body (GET requests only).
    EmptyBody,
    /// 500 (any request).
    ServerError,
    /// 500 on metadata GETs only: the token is issued, the item is not.
    ItemServerError,
    /// 403 on the token PUT.
    TokenRefused,
    /// 200 with an empty token on the token PUT.
    EmptyToken,
}

impl ImdsFault {
    /// Whether the fault affects a request; requests it does not affect do
    /// not use up a limited fault's count.
    pub fn applies_to(self, is_token_put: bool) -> bool {
        match self {
            ImdsFault::None => false,
            ImdsFault::Hang | ImdsFault::ServerError => true,
            ImdsFault::EmptyBody | ImdsFault::ItemServerError => !is_token_put,
            ImdsFault::TokenRefused | ImdsFault::EmptyToken => is_token_put,
        }
    }
}

/// The longest any request is held by a hang, so a forgotten outage cannot
/// wedge a test run forever.
pub const HANG_LIMIT: Duration = Duration::from_secs(600);

/// Seed used until a test picks its own, so runs are repeatable by default.
pub const DEFAULT_THROTTLE_SEED: u64 = 0x005e_ed0f_7e57;

/// SplitMix64: tiny, seedable, and good enough to spread throttling evenly.
#[derive(Debug, Clone)]
pub struct Prng(u64);

impl Prng {
    pub fn new(seed: u64) -> Prng {
        Prng(seed)
    }

    /// Uniform in [0, 1).
    pub fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A node's active IMDS fault and how many more requests it affects.
#[derive(Debug, Clone, Copy)]
pub struct ImdsFaultState {
    pub fault: ImdsFault,
    pub remaining: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Knobs {
    pub latency: BTreeMap<String, Duration>,
    pub throttle_rate: f64,
    pub throttle_rng: Prng,
    pub outages: BTreeMap<String, Outage>,
    pub imds_faults: BTreeMap<String, ImdsFaultState>,
    /// Bumped per node by every `set_imds_fault`, so a hung IMDS request
    /// is released when the test touches that node's fault again, even if
    /// a limited fault has already run out.
    pub imds_generation: BTreeMap<String, u64>,
    pub denied: BTreeSet<String>,
    pub page_size: Option<usize>,
    /// (region, action) → the error that action answers there.
    pub action_faults: BTreeMap<(String, String), ActionFault>,
    /// (region, action) pairs answered 403 in that region only.
    pub denied_in: BTreeSet<(String, String)>,
    /// (region, action) → how its successful answers are garbled.
    pub malformed: BTreeMap<(String, String), MalformedState>,
    /// (account, action) pairs answered 403 to callers of that account.
    pub denied_in_account: BTreeSet<(String, String)>,
}

impl Default for Knobs {
    fn default() -> Knobs {
        Knobs {
            latency: BTreeMap::new(),
            throttle_rate: 0.0,
            throttle_rng: Prng::new(DEFAULT_THROTTLE_SEED),
            outages: BTreeMap::new(),
            imds_faults: BTreeMap::new(),
            imds_generation: BTreeMap::new(),
            denied: BTreeSet::new(),
            page_size: None,
            action_faults: BTreeMap::new(),
            denied_in: BTreeSet::new(),
            malformed: BTreeMap::new(),
            denied_in_account: BTreeSet::new(),
        }
    }
}

impl Knobs {
    pub fn outage(&self, region: &str) -> Outage {
        self.outages.get(region).copied().unwrap_or_default()
    }

    /// Draws once per request so the throttling pattern depends only on the
    /// seed and the order of requests.
    pub fn should_throttle(&mut self) -> bool {
        if self.throttle_rate <= 0.0 {
            return false;
        }
        self.throttle_rng.next_unit() < self.throttle_rate
    }

    /// The fault to apply to this IMDS request, consuming one use of a
    /// limited fault.
    pub fn take_imds_fault(&mut self, node: &str, is_token_put: bool) -> ImdsFault {
        let Some(state) = self.imds_faults.get_mut(node) else {
            return ImdsFault::None;
        };
        if !state.fault.applies_to(is_token_put) {
            return ImdsFault::None;
        }
        let fault = state.fault;
        if let Some(n) = state.remaining.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.imds_faults.remove(node);
            }
        }
        fault
    }

    /// Whether `action` is denied, everywhere or in `region` only.
    pub fn is_denied(&self, region: &str, action: &str) -> bool {
        self.denied.contains(action)
            || self
                .denied_in
                .contains(&(region.to_string(), action.to_string()))
    }

    /// Whether `action` is denied to a caller of `account` in `region`:
    /// everywhere, in the region, or by that account's policies.
    pub fn is_denied_to(&self, account: &str, region: &str, action: &str) -> bool {
        self.is_denied(region, action)
            || self
                .denied_in_account
                .contains(&(account.to_string(), action.to_string()))
    }

    /// The garbling to apply to this successful answer, consuming one use
    /// of a limited fault.
    pub fn take_malformed(&mut self, region: &str, action: &str) -> Option<Malformed> {
        let key = (region.to_string(), action.to_string());
        let state = self.malformed.get_mut(&key)?;
        let kind = state.kind;
        if let Some(n) = state.remaining.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.malformed.remove(&key);
            }
        }
        Some(kind)
    }

    pub fn imds_generation(&self, node: &str) -> u64 {
        self.imds_generation.get(node).copied().unwrap_or(0)
    }

    pub fn set_imds_fault(&mut self, node: &str, fault: ImdsFault, times: Option<u32>) {
        *self.imds_generation.entry(node.to_string()).or_default() += 1;
        if fault == ImdsFault::None || times == Some(0) {
            self.imds_faults.remove(node);
        } else {
            self.imds_faults.insert(
                node.to_string(),
                ImdsFaultState {
                    fault,
                    remaining: times,
                },
            );
        }
    }
}

// ---- Per-action faults (engine hardening: a lookup that fails in one region only) ----

/// An error one action answers in one region, for a number of requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionFault {
    pub status: u16,
    pub code: String,
    /// Requests left to fail; `None`: until cleared.
    pub remaining: Option<u32>,
}

impl Knobs {
    pub fn set_action_fault(&mut self, region: &str, action: &str, fault: Option<ActionFault>) {
        let key = (region.to_string(), action.to_string());
        match fault {
            Some(f) if f.remaining != Some(0) => {
                self.action_faults.insert(key, f);
            }
            _ => {
                self.action_faults.remove(&key);
            }
        }
    }

    /// The (status, code) this request must answer, consuming one use.
    pub fn take_action_fault(&mut self, region: &str, action: &str) -> Option<(u16, String)> {
        let key = (region.to_string(), action.to_string());
        let fault = self.action_faults.get_mut(&key)?;
        let answer = (fault.status, fault.code.clone());
        if let Some(n) = fault.remaining.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.action_faults.remove(&key);
            }
        }
        Some(answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prng_is_repeatable_and_roughly_uniform() {
        let mut a = Prng::new(7);
        let mut b = Prng::new(7);
        let draws: Vec<f64> = (0..1000).map(|_| a.next_unit()).collect();
        assert!(draws.iter().all(|d| *d == b.next_unit()));
        let below_half = draws.iter().filter(|d| **d < 0.5).count();
        assert!((400..600).contains(&below_half));
    }

    #[test]
    fn limited_faults_expire_and_skip_unaffected_requests() {
        let mut knobs = Knobs::default();
        let state = ImdsFaultState {
            fault: ImdsFault::TokenRefused,
            remaining: Some(2),
        };
        knobs.imds_faults.insert("n".into(), state);
        assert_eq!(knobs.take_imds_fault("n", false), ImdsFault::None);
        assert_eq!(knobs.take_imds_fault("n", true), ImdsFault::TokenRefused);
        assert_eq!(knobs.take_imds_fault("n", true), ImdsFault::TokenRefused);
        assert_eq!(knobs.take_imds_fault("n", true), ImdsFault::None);
    }

    #[test]
    fn action_faults_hit_one_region_and_action_and_expire() {
        let mut knobs = Knobs::default();
        let fault = ActionFault {
            status: 500,
            code: "InternalError".into(),
            remaining: Some(1),
        };
        knobs.set_action_fault("r1", "A", Some(fault));
        assert_eq!(knobs.take_action_fault("r2", "A"), None);
        assert_eq!(knobs.take_action_fault("r1", "B"), None);
        assert_eq!(
            knobs.take_action_fault("r1", "A"),
            Some((500, "InternalError".into()))
        );
        assert_eq!(knobs.take_action_fault("r1", "A"), None);
        assert!(Outage::HangWrites.hangs("ReplaceRoute"));
        assert!(!Outage::HangWrites.hangs("DescribeRouteTables"));
    }

    #[test]
    fn garbling_is_per_region_and_action_and_runs_out() {
        let mut knobs = Knobs::default();
        let state = MalformedState {
            kind: Malformed::Truncated,
            remaining: Some(1),
        };
        knobs
            .malformed
            .insert(("east".into(), "DescribeRouteTables".into()), state);
        assert_eq!(knobs.take_malformed("west", "DescribeRouteTables"), None);
        assert_eq!(knobs.take_malformed("east", "DescribeVpcs"), None);
        assert_eq!(
            knobs.take_malformed("east", "DescribeRouteTables"),
            Some(Malformed::Truncated)
        );
        assert_eq!(knobs.take_malformed("east", "DescribeRouteTables"), None);
    }

    #[test]
    fn a_regional_denial_stays_in_its_region() {
        let mut knobs = Knobs::default();
        knobs
            .denied_in
            .insert(("west".into(), "ReplaceRoute".into()));
        assert!(knobs.is_denied("west", "ReplaceRoute"));
        assert!(!knobs.is_denied("east", "ReplaceRoute"));
        knobs.denied.insert("DescribeVpcs".into());
        assert!(knobs.is_denied("east", "DescribeVpcs"));
        knobs
            .denied_in_account
            .insert(("222200000001".into(), "SearchTransitGatewayRoutes".into()));
        let search = "SearchTransitGatewayRoutes";
        assert!(knobs.is_denied_to("222200000001", "east", search));
        assert!(!knobs.is_denied_to("222200000002", "east", search));
        assert!(knobs.is_denied_to("222200000002", "east", "DescribeVpcs"));
    }
}
