//! The documents commands print: what `plan` and `restore --json` show, and
//! the pieces every `--json` document shares (docs/json-schema.md). Shared
//! by the doors, so LifeKeeper's `restore --json` and the operator's `plan`
//! list replacements the same way.

pub mod json;
pub mod plan;

use std::io::Write as _;

/// Writes `text` to stdout, styled only where styles can be seen.
pub fn print(text: &str) {
    let mut out = anstream::stdout();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}
