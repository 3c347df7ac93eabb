//! State shared between the public [`crate::Emulator`] handle (used from
//! plain test threads) and the request handlers (running on the emulator's
//! runtime): the estate, the knobs, the counters and issued IMDS tokens.
//!
//! Plain `std` mutexes are used because test threads have no runtime; no
//! lock is ever held across an `.await`.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use tokio::sync::watch;

use crate::accounts::Caller;
use crate::knobs::{HANG_LIMIT, Knobs};
use crate::topology::Topology;

/// Locks without propagating poison: a handler that panicked mid-update
/// must not take every later test assertion down with it.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug, Default, Clone)]
pub struct Counters {
    pub calls: BTreeMap<(String, String), u64>,
    pub writes: u64,
    pub proxied: u64,
    /// TLS handshakes completed on the HTTPS endpoint.
    pub tls_handshakes: u64,
    /// TLS handshakes the client refused with an alert (its trust refused
    /// our certificate: unknown issuer, wrong name, expired).
    pub tls_failures: u64,
    /// TLS handshakes the client abandoned without a word (it closed the
    /// connection mid-handshake, e.g. a pooled connect no longer needed
    /// when the process exited), or that timed out.
    pub tls_abandoned: u64,
    pub imds: BTreeMap<String, u64>,
    /// STS requests that named an action in a known region.
    pub sts_calls: u64,
    /// Every AssumeRole answered, granted or refused, in order.
    pub assumed: Vec<AssumedSession>,
}

/// One STS `AssumeRole` request and its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumedSession {
    /// The region of the STS endpoint (the credential scope's).
    pub region: String,
    /// `RoleArn` as sent (empty when missing).
    pub role_arn: String,
    /// `RoleSessionName` as sent (empty when missing).
    pub session_name: String,
    pub external_id: Option<String>,
    /// `DurationSeconds` as sent, if it was a number.
    pub duration_seconds: Option<i64>,
    /// The ARN of the principal that asked.
    pub caller_arn: String,
    pub granted: bool,
    /// The error code of a refusal (`AccessDenied`, `ValidationError`, …).
    pub error: Option<String>,
    /// The access key id handed out when granted.
    pub access_key_id: Option<String>,
}

pub struct Shared {
    pub world: Mutex<Topology>,
    pub knobs: Mutex<Knobs>,
    pub counters: Mutex<Counters>,
    /// token -> (node name, expiry)
    pub imds_tokens: Mutex<HashMap<String, (String, Instant)>>,
    /// access key id -> the role session STS issued it for.
    pub sessions: Mutex<HashMap<String, Caller>>,
    /// Bumped on every knob change so hung requests re-check their outage.
    pub knob_changes: watch::Sender<u64>,
    sequence: AtomicU64,
}

impl Shared {
    pub fn new(topology: Topology) -> Shared {
        Shared {
            world: Mutex::new(topology),
            knobs: Mutex::new(Knobs::default()),
            counters: Mutex::new(Counters::default()),
            imds_tokens: Mutex::new(HashMap::new()),
            sessions: Mutex::new(HashMap::new()),
            knob_changes: watch::Sender::new(0),
            sequence: AtomicU64::new(1),
        }
    }

    /// Changes the knobs and wakes every request waiting on them.
    pub fn update_knobs(&self, change: impl FnOnce(&mut Knobs)) {
        change(&mut lock(&self.knobs));
        self.knob_changes.send_modify(|generation| *generation += 1);
    }

    /// A fresh number for request ids and tokens; unique per emulator.
    pub fn next_sequence(&self) -> u64 {
        self.sequence.fetch_add(1, Ordering::Relaxed)
    }

    /// A request id shaped like EC2's (a UUID).
    pub fn next_request_id(&self) -> String {
        let n = self.next_sequence();
        format!(
            "e2e0{:04x}-0000-4000-8000-{:012x}",
            (n >> 48) & 0xffff,
            n & 0xffff_ffff_ffff
        )
    }

    pub fn count_call(&self, region: &str, action: &str) {
        let mut counters = lock(&self.counters);
        *counters
            .calls
            .entry((region.to_string(), action.to_string()))
            .or_default() += 1;
    }
}

impl Shared {
    /// Holds the calling request while `hold` is true of the knobs; returns
    /// false if [`HANG_LIMIT`] passed first. Dropping the emulator's runtime
    /// cancels the wait.
    pub async fn hold_while(&self, hold: impl Fn(&Knobs) -> bool) -> bool {
        let mut changes = self.knob_changes.subscribe();
        let deadline = tokio::time::Instant::now() + HANG_LIMIT;
        loop {
            let holding = hold(&lock(&self.knobs));
            if !holding {
                return true;
            }
            match tokio::time::timeout_at(deadline, changes.changed()).await {
                Ok(Ok(())) => continue,
                _ => return false,
            }
        }
    }
}
