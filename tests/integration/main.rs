//! Integration tests: the real binary, invoked as LifeKeeper invokes it,
//! against the EC2 + IMDS emulator. One test binary, so the SDK links once.

mod util;

mod bounds;
mod failures;
mod invocation;
mod lookups;
mod operator;
mod states;
mod switchover;
