//! The front doors: one thin adapter per caller, from its conventions to the
//! [`crate::session`] and back. A door imports no other door; `main.rs`
//! picks one and turns its [`Ending`] into the exit status.
//!
//! - [`lifekeeper`]: the restore/remove/quickCheck/recover scripts;
//! - [`operator`]: status, plan and doctor, by hand;
//! - [`pacemaker`]: the OCF resource-agent actions Pacemaker runs.

pub mod lifekeeper;
pub mod operator;
pub mod pacemaker;

/// How a command ended, in the terms its caller's exit status encodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    Success,
    Failure,
    /// Stopped by a signal (its number) before the work was done.
    Interrupted(u8),
    /// An exit status the caller's protocol defines code by code (OCF).
    Status(u8),
}

impl Ending {
    pub fn from_ok(ok: bool) -> Ending {
        if ok { Ending::Success } else { Ending::Failure }
    }
}
