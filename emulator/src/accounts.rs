//! Who is calling: the account and principal behind an access key.
//!
//! Signatures are not verified, but the access key id in the SigV4
//! credential scope is read, as AWS does, to know the caller:
//! - a node's instance-profile key (`ASIAEMULATOR<NODE>`, served by that
//!   node's IMDS) is a session of the node's instance role in the node's
//!   account;
//! - a key issued by STS `AssumeRole` is a session of that role, in the
//!   role's account;
//! - any other key (`AKIDEMULATOR`, `AKIAEMULATOR`, …) is a user of the
//!   topology's default `account_id`.

use crate::state::{Shared, lock};
use crate::topology::{Node, Topology};

/// The principal behind a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub account: String,
    /// The caller's ARN, as AWS names it in an AccessDenied message
    /// (`arn:aws:sts::<account>:assumed-role/<role>/<session>` for a role
    /// session, `arn:aws:iam::<account>:user/<name>` for a user).
    pub arn: String,
    /// For a role session, the role's ARN (what a trust policy names).
    pub role_arn: Option<String>,
    /// GetCallerIdentity's UserId (`AROA…:<session>` or `AIDA…`).
    pub user_id: String,
}

/// The caller behind `access_key`.
pub fn caller(shared: &Shared, access_key: &str) -> Caller {
    if let Some(session) = lock(&shared.sessions).get(access_key) {
        return session.clone();
    }
    let world = lock(&shared.world);
    let node = world
        .nodes
        .iter()
        .filter(|n| n.attached_to.is_none())
        .find(|n| instance_access_key(n) == access_key);
    match node {
        Some(node) => instance_role_session(&world, node),
        None => Caller {
            account: world.account_id.clone(),
            arn: format!("arn:aws:iam::{}:user/emulator", world.account_id),
            role_arn: None,
            user_id: "AIDAEMULATORUSER0001".to_string(),
        },
    }
}

/// The access key id `node`'s IMDS hands out for its instance role.
pub fn instance_access_key(node: &Node) -> String {
    format!("ASIAEMULATOR{}", key_suffix(node))
}

/// Node names are free text; keys and JSON get only their alphanumerics.
pub fn key_suffix(node: &Node) -> String {
    node.name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// The instance role's session on `node`, named after the instance, as EC2
/// names instance-profile sessions.
fn instance_role_session(w: &Topology, node: &Node) -> Caller {
    let account = w.node_owner(node).to_string();
    Caller {
        arn: format!(
            "arn:aws:sts::{account}:assumed-role/{}/{}",
            w.iam_role, node.instance_id
        ),
        role_arn: Some(format!("arn:aws:iam::{account}:role/{}", w.iam_role)),
        user_id: format!("AROAEMULATOR{}:{}", key_suffix(node), node.instance_id),
        account,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_to_the_node_account_or_the_default_one() {
        let mut t = Topology::two_region();
        t.owners.insert("node1".into(), "333300000001".into());
        let shared = Shared::new(t);
        let node1 = caller(&shared, "ASIAEMULATORNODE1");
        assert_eq!(node1.account, "333300000001");
        assert_eq!(
            node1.arn,
            "arn:aws:sts::333300000001:assumed-role/tgw-generic-rk-node/i-01000000000000001"
        );
        assert_eq!(
            node1.role_arn.as_deref(),
            Some("arn:aws:iam::333300000001:role/tgw-generic-rk-node")
        );
        let user = caller(&shared, "AKIDEMULATOR");
        assert_eq!(user.account, crate::topology::DEFAULT_ACCOUNT_ID);
        assert_eq!(user.role_arn, None);
        assert_eq!(caller(&shared, "ASIAEMULATORNODE2").account, user.account);
    }
}
