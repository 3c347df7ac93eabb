//! Pieces shared by every `--json` document (docs/json-schema.md).
//!
//! Every document starts with `kind` and `schema_version`. The version
//! changes only when a field is removed, renamed or changes meaning; new
//! fields may appear within a version, so readers must ignore unknown keys.

use serde::Serialize;

use crate::engine::planner::Plan;
use crate::engine::topology::LocalNode;
use crate::log::catalog::Message;
use crate::log::lines;

pub const SCHEMA_VERSION: u32 = 2;

/// This node as discovery saw it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeView {
    pub region: String,
    pub vpc_id: String,
    pub eni_id: String,
    /// The local interface holding the VIP; null when none does (a standby node).
    pub interface: Option<String>,
}

impl NodeView {
    pub fn new(node: &LocalNode, interface: Option<String>) -> NodeView {
        NodeView {
            region: node.region.clone(),
            vpc_id: node.vpc_id.clone(),
            eni_id: node.eni_id.clone(),
            interface,
        }
    }
}

/// A catalog message, as the log would carry it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FindingView {
    pub code: u32,
    /// "ERROR", "WARN" or "INFO".
    pub level: &'static str,
    pub text: String,
}

impl FindingView {
    pub fn of(message: &Message) -> FindingView {
        FindingView {
            code: message.code(),
            level: message.level().as_str(),
            text: message.to_string(),
        }
    }

    /// Every finding of `plan`.
    pub fn all(plan: &Plan) -> Vec<FindingView> {
        lines::findings(plan).iter().map(FindingView::of).collect()
    }
}

/// Pretty JSON with a final newline. Serializing these plain structs cannot
/// fail; should it ever, the error text is still valid output for a human.
pub fn to_text<T: Serialize>(document: &T) -> String {
    match serde_json::to_string_pretty(document) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        Err(e) => format!("{{\"error\": {:?}}}\n", e.to_string()),
    }
}
