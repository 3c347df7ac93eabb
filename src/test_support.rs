//! Helpers shared by the unit tests of several modules.

use std::collections::HashMap;

/// A string map (an environment, a defaults file) from literal pairs.
pub fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
