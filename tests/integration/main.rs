//! Integration tests: the real binary, invoked as LifeKeeper invokes it,
//! against the EC2 + IMDS emulator. One test binary, so the SDK links once.

mod util;

mod failures;
mod invocation;
mod operator;
mod switchover;
mod transport;
