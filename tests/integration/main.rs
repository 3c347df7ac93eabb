//! Integration tests: the real binary, invoked as LifeKeeper invokes it,
//! against the EC2 + IMDS emulator. One test binary, so the SDK links once.

mod util;

mod accounts;
mod architecture;
mod bounds;
mod defaults_file;
mod ec2_calls;
mod failures;
mod invocation;
mod lifekeeper_door;
mod lookups;
mod operator;
mod pacemaker;
mod pacemaker_real;
mod secrets;
mod shipped_policies;
mod states;
mod switchover;
mod transport;
mod vip_interface;
