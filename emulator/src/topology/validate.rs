//! Load-time checks on a topology.
//!
//! A topology AWS could never hold (a route to an ENI in another VPC, a TGW
//! route to an attachment of another TGW) would make every test built on it
//! meaningless, so it is refused up front with an error naming the object.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use super::{
    ATTACHMENT_STATES, LOCAL_TARGET, Node, Peering, RouteState, RouteTable, RouteType,
    TgwRouteTable, Topology, VpcAttachment, VpcRoute, is_account_id, role_arn_parts,
};
use crate::cidr::Cidr;
use crate::error::EmulatorError;

type Checked = Result<(), EmulatorError>;

fn invalid(message: String) -> EmulatorError {
    EmulatorError::InvalidTopology(message)
}

impl Topology {
    /// Checks every reference and value and returns the first problem.
    /// Objects are checked before those that refer to them, so the error
    /// names the object that is actually wrong.
    pub fn validate(&self) -> Checked {
        self.check_regions()?;
        self.check_accounts()?;
        self.check_sharing()?;
        self.check_roles()?;
        self.check_unique_ids()?;
        self.vpcs.iter().try_for_each(|v| {
            self.check_region(&format!("VPC {}", v.id), &v.region)?;
            check_cidr(&format!("VPC {}", v.id), &v.cidr)
        })?;
        self.transit_gateways
            .iter()
            .try_for_each(|t| self.check_region(&format!("transit gateway {}", t.id), &t.region))?;
        self.nodes.iter().try_for_each(|n| self.check_node(n))?;
        self.vpc_attachments
            .iter()
            .try_for_each(|a| self.check_vpc_attachment(a))?;
        self.peerings
            .iter()
            .try_for_each(|p| self.check_peering(p))?;
        self.route_tables
            .iter()
            .try_for_each(|t| self.check_route_table(t))?;
        self.check_main_tables()?;
        self.tgw_route_tables
            .iter()
            .try_for_each(|t| self.check_tgw_route_table(t))
    }

    fn check_regions(&self) -> Checked {
        if self.regions.is_empty() {
            return Err(invalid("no regions listed".into()));
        }
        check_unique("region", self.regions.iter().map(String::as_str))
    }

    /// Every owner is a 12-digit account id, as AWS's are: a typo would
    /// otherwise silently create a new account nobody can see.
    fn check_accounts(&self) -> Checked {
        let owners = self.owners.iter().map(|(object, account)| {
            let known = self.vpc(object).is_some()
                || self.transit_gateway(object).is_some()
                || self.node(object).is_some();
            (format!("owners.{object}"), account.as_str(), known)
        });
        std::iter::once(("account_id".to_string(), self.account_id.as_str(), true))
            .chain(owners)
            .try_for_each(|(what, account, known)| {
                if !known {
                    Err(invalid(format!(
                        "{what}: no such VPC, transit gateway or node"
                    )))
                } else if is_account_id(account) {
                    Ok(())
                } else {
                    Err(invalid(format!(
                        "{what}: account {account} is not a 12-digit account id"
                    )))
                }
            })
    }

    /// RAM shares are of known TGWs, with 12-digit accounts.
    fn check_sharing(&self) -> Checked {
        self.shared_with.iter().try_for_each(|(tgw, accounts)| {
            if self.transit_gateway(tgw).is_none() {
                return Err(invalid(format!(
                    "shared_with: no such transit gateway {tgw}"
                )));
            }
            match accounts.iter().find(|a| !is_account_id(a)) {
                Some(bad) => Err(invalid(format!(
                    "transit gateway {tgw}: shared_with {bad} is not a 12-digit account id"
                ))),
                None => Ok(()),
            }
        })
    }

    /// A role ARN names a 12-digit account and a role; its trust policy
    /// names accounts or role ARNs; no ARN twice.
    fn check_roles(&self) -> Checked {
        check_unique("role", self.roles.iter().map(|r| r.arn.as_str()))?;
        self.roles.iter().try_for_each(|role| {
            if role.account().is_none() {
                return Err(invalid(format!(
                    "role {}: not an IAM role ARN with a 12-digit account \
                     (arn:aws:iam::<account>:role/<name>)",
                    role.arn
                )));
            }
            let bad = role
                .trusted
                .iter()
                .find(|t| !is_account_id(t) && role_arn_parts(t).is_none());
            match bad {
                Some(bad) => Err(invalid(format!(
                    "role {}: trusted {bad} is neither a 12-digit account id nor a role ARN",
                    role.arn
                ))),
                None => Ok(()),
            }
        })
    }

    fn check_region(&self, what: &str, region: &str) -> Checked {
        if self.regions.iter().any(|r| r == region) {
            Ok(())
        } else {
            Err(invalid(format!(
                "{what}: region {region} is not in the regions list"
            )))
        }
    }

    fn check_unique_ids(&self) -> Checked {
        check_unique("VPC", self.vpcs.iter().map(|v| v.id.as_str()))?;
        check_unique(
            "route table",
            self.route_tables.iter().map(|t| t.id.as_str()),
        )?;
        check_unique(
            "transit gateway",
            self.transit_gateways.iter().map(|t| t.id.as_str()),
        )?;
        check_unique(
            "TGW route table",
            self.tgw_route_tables.iter().map(|t| t.id.as_str()),
        )?;
        let attachments = self.vpc_attachments.iter().map(|a| a.id.as_str());
        check_unique(
            "attachment",
            attachments.chain(self.peerings.iter().map(|p| p.id.as_str())),
        )?;
        check_unique("node", self.nodes.iter().map(|n| n.name.as_str()))?;
        check_unique("ENI", self.nodes.iter().map(|n| n.eni.as_str()))?;
        // An instance is one node; its further ENIs share its instance id.
        check_unique(
            "instance",
            self.nodes
                .iter()
                .filter(|n| n.attached_to.is_none())
                .map(|n| n.instance_id.as_str()),
        )?;
        check_unique("MAC", self.nodes.iter().map(|n| n.mac.as_str()))
    }

    fn check_main_tables(&self) -> Checked {
        for vpc in &self.vpcs {
            let mains = self
                .route_tables
                .iter()
                .filter(|t| t.vpc == vpc.id && t.main)
                .count();
            if mains != 1 {
                return Err(invalid(format!(
                    "VPC {} has {mains} main route tables; AWS gives every VPC exactly one",
                    vpc.id
                )));
            }
        }
        Ok(())
    }

    fn check_route_table(&self, table: &RouteTable) -> Checked {
        let what = format!("route table {}", table.id);
        let vpc = self
            .vpc(&table.vpc)
            .ok_or_else(|| invalid(format!("{what}: unknown VPC {}", table.vpc)))?;
        check_unique_destinations(&what, table.routes.iter().map(|r| r.destination.as_str()))?;
        if !table.routes.iter().any(|r| r.target == LOCAL_TARGET) {
            return Err(invalid(format!(
                "{what}: missing the local route {}",
                vpc.cidr
            )));
        }
        table
            .routes
            .iter()
            .try_for_each(|r| self.check_vpc_route(&what, table, r))
    }

    fn check_vpc_route(&self, what: &str, table: &RouteTable, route: &VpcRoute) -> Checked {
        let what = format!("{what}, route {}", route.destination);
        check_cidr(&what, &route.destination)?;
        let target = route.target.as_str();
        if target == LOCAL_TARGET {
            return self.check_local_route(&what, table, route);
        }
        if target.starts_with("eni-") {
            return self.check_eni_target(&what, table, target);
        }
        if target.starts_with("tgw-") {
            return self.check_tgw_target(&what, table, target);
        }
        const OPAQUE: &[&str] = &["igw-", "vgw-", "nat-", "pcx-"];
        if OPAQUE.iter().any(|p| target.starts_with(p)) {
            return Ok(());
        }
        Err(invalid(format!("{what}: unsupported target {target}")))
    }

    fn check_local_route(&self, what: &str, table: &RouteTable, route: &VpcRoute) -> Checked {
        let vpc_cidr = self
            .vpc(&table.vpc)
            .map(|v| v.cidr.as_str())
            .unwrap_or_default();
        if crate::cidr::same_network(&route.destination, vpc_cidr) {
            Ok(())
        } else {
            Err(invalid(format!(
                "{what}: a local route must cover the VPC CIDR {vpc_cidr}"
            )))
        }
    }

    fn check_eni_target(&self, what: &str, table: &RouteTable, eni: &str) -> Checked {
        match self.node_by_eni(eni) {
            None => Err(invalid(format!("{what}: ENI {eni} belongs to no node"))),
            Some(node) if node.vpc != table.vpc => Err(invalid(format!(
                "{what}: ENI {eni} is in VPC {}, not in {}",
                node.vpc, table.vpc
            ))),
            Some(_) => Ok(()),
        }
    }

    fn check_tgw_target(&self, what: &str, table: &RouteTable, tgw: &str) -> Checked {
        let region = self.route_table_region(table);
        match self.transit_gateway(tgw) {
            None => Err(invalid(format!("{what}: unknown transit gateway {tgw}"))),
            Some(t) if Some(t.region.as_str()) != region => Err(invalid(format!(
                "{what}: transit gateway {tgw} is in {}, the VPC is not",
                t.region
            ))),
            Some(_) => Ok(()),
        }
    }

    fn check_vpc_attachment(&self, attachment: &VpcAttachment) -> Checked {
        let what = format!("VPC attachment {}", attachment.id);
        check_state(&what, &attachment.state)?;
        let tgw = self.transit_gateway(&attachment.tgw).ok_or_else(|| {
            invalid(format!(
                "{what}: unknown transit gateway {}",
                attachment.tgw
            ))
        })?;
        let vpc = self
            .vpc(&attachment.vpc)
            .ok_or_else(|| invalid(format!("{what}: unknown VPC {}", attachment.vpc)))?;
        if tgw.region != vpc.region {
            return Err(invalid(format!(
                "{what}: VPC {} ({}) and transit gateway {} ({}) are in different regions",
                vpc.id, vpc.region, tgw.id, tgw.region
            )));
        }
        Ok(())
    }

    fn check_peering(&self, peering: &Peering) -> Checked {
        let what = format!("peering {}", peering.id);
        check_state(&what, &peering.state)?;
        for tgw in [&peering.requester_tgw, &peering.accepter_tgw] {
            if self.transit_gateway(tgw).is_none() {
                return Err(invalid(format!("{what}: unknown transit gateway {tgw}")));
            }
        }
        if peering.requester_tgw == peering.accepter_tgw {
            return Err(invalid(format!(
                "{what}: a transit gateway cannot peer with itself"
            )));
        }
        Ok(())
    }

    fn check_tgw_route_table(&self, table: &TgwRouteTable) -> Checked {
        let what = format!("TGW route table {}", table.id);
        if self.transit_gateway(&table.tgw).is_none() {
            return Err(invalid(format!(
                "{what}: unknown transit gateway {}",
                table.tgw
            )));
        }
        if !super::TGW_ROUTE_TABLE_STATES.contains(&table.state.as_str()) {
            return Err(invalid(format!("{what}: unknown state {}", table.state)));
        }
        check_unique_destinations(&what, table.routes.iter().map(|r| r.destination.as_str()))?;
        for route in &table.routes {
            let what = format!("{what}, route {}", route.destination);
            check_cidr(&what, &route.destination)?;
            self.check_tgw_route_target(&what, table, route)?;
        }
        Ok(())
    }

    fn check_tgw_route_target(
        &self,
        what: &str,
        table: &TgwRouteTable,
        route: &super::TgwRoute,
    ) -> Checked {
        let Some(attachment) = &route.attachment else {
            if route.state != RouteState::Blackhole || route.route_type != RouteType::Static {
                return Err(invalid(format!(
                    "{what}: without an attachment a route must be static with state = \"blackhole\""
                )));
            }
            return Ok(());
        };
        match self.attachment_tgws(attachment) {
            None => Err(invalid(format!("{what}: unknown attachment {attachment}"))),
            Some(tgws) if !tgws.contains(&table.tgw.as_str()) => Err(invalid(format!(
                "{what}: attachment {attachment} does not belong to transit gateway {}",
                table.tgw
            ))),
            Some(_) => Ok(()),
        }
    }

    /// The transit gateway(s) an attachment connects: one for a VPC
    /// attachment, both sides for a peering.
    pub fn attachment_tgws(&self, id: &str) -> Option<Vec<&str>> {
        if let Some(a) = self.vpc_attachment(id) {
            return Some(vec![a.tgw.as_str()]);
        }
        self.peering(id)
            .map(|p| vec![p.requester_tgw.as_str(), p.accepter_tgw.as_str()])
    }

    fn check_node(&self, node: &Node) -> Checked {
        let what = format!("node {}", node.name);
        let vpc = self
            .vpc(&node.vpc)
            .ok_or_else(|| invalid(format!("{what}: unknown VPC {}", node.vpc)))?;
        if vpc.region != node.region {
            return Err(invalid(format!(
                "{what}: region {} differs from VPC {}'s region {}",
                node.region, vpc.id, vpc.region
            )));
        }
        self.check_attachment_of(&what, node)?;
        check_prefix(&what, "ENI", &node.eni, "eni-")?;
        check_prefix(&what, "instance id", &node.instance_id, "i-")?;
        check_prefix(&what, "subnet", &node.subnet, "subnet-")?;
        check_mac(&what, &node.mac)?;
        check_node_ip(&what, node, &vpc.cidr)
    }
}

impl Topology {
    /// A further ENI belongs to a node (not to another further ENI) in the
    /// same region, and carries that node's instance id.
    fn check_attachment_of(&self, what: &str, node: &Node) -> Checked {
        let Some(owner) = &node.attached_to else {
            return Ok(());
        };
        let Some(host) = self.node(owner).filter(|h| h.attached_to.is_none()) else {
            return Err(invalid(format!(
                "{what}: attached_to {owner} is not a node"
            )));
        };
        if host.region != node.region || host.instance_id != node.instance_id {
            return Err(invalid(format!(
                "{what}: attached to {owner} but its region or instance id differs"
            )));
        }
        Ok(())
    }
}

fn check_node_ip(what: &str, node: &Node, vpc_cidr: &str) -> Checked {
    let ip: Ipv4Addr = node.private_ip.parse().map_err(|_| {
        invalid(format!(
            "{what}: {} is not an IPv4 address",
            node.private_ip
        ))
    })?;
    match Cidr::parse(vpc_cidr) {
        Some(cidr) if cidr.contains_ip(ip) => Ok(()),
        _ => Err(invalid(format!(
            "{what}: {ip} is outside VPC CIDR {vpc_cidr}"
        ))),
    }
}

fn check_unique<'a>(kind: &str, ids: impl Iterator<Item = &'a str>) -> Checked {
    let mut seen = BTreeSet::new();
    for id in ids {
        if !seen.insert(id) {
            return Err(invalid(format!("duplicate {kind} {id}")));
        }
    }
    Ok(())
}

fn check_unique_destinations<'a>(
    what: &str,
    destinations: impl Iterator<Item = &'a str>,
) -> Checked {
    let mut seen = BTreeSet::new();
    for d in destinations {
        if !seen.insert(Cidr::parse(d)) {
            return Err(invalid(format!("{what}: two routes for {d}")));
        }
    }
    Ok(())
}

fn check_cidr(what: &str, cidr: &str) -> Checked {
    Cidr::parse(cidr)
        .map(|_| ())
        .ok_or_else(|| invalid(format!("{what}: {cidr} is not a canonical IPv4 CIDR block")))
}

fn check_state(what: &str, state: &str) -> Checked {
    if ATTACHMENT_STATES.contains(&state) {
        Ok(())
    } else {
        Err(invalid(format!("{what}: unknown state {state}")))
    }
}

fn check_prefix(what: &str, field: &str, value: &str, prefix: &str) -> Checked {
    if value.starts_with(prefix) {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what}: {field} {value} must start with {prefix}"
        )))
    }
}

fn check_mac(what: &str, mac: &str) -> Checked {
    let octets: Vec<&str> = mac.split(':').collect();
    let well_formed = octets.len() == 6
        && octets.iter().all(|o| {
            o.len() == 2
                && o.chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        });
    if well_formed {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what}: MAC {mac} must look like 0e:10:00:00:00:01"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(change: impl FnOnce(&mut Topology)) -> String {
        let mut t = Topology::two_region();
        change(&mut t);
        match t.validate() {
            Err(EmulatorError::InvalidTopology(message)) => message,
            other => panic!("expected an invalid topology, got {other:?}"),
        }
    }

    #[test]
    fn a_further_eni_belongs_to_a_node_of_the_same_instance() {
        let further = |t: &mut Topology| {
            let mut eth1 = t.nodes[0].clone();
            eth1.name = "node1-eth1".into();
            eth1.attached_to = Some("node1".into());
            eth1.eni = "eni-01000000000000011".into();
            eth1.mac = "0e:10:00:00:00:11".into();
            eth1.private_ip = "10.1.1.11".into();
            t.nodes.push(eth1);
        };
        let mut t = Topology::two_region();
        further(&mut t);
        t.validate().unwrap();
        let m = error_of(|t| {
            further(t);
            t.nodes[2].attached_to = Some("node9".into());
        });
        assert!(m.contains("node node1-eth1") && m.contains("node9"), "{m}");
        let m = error_of(|t| {
            further(t);
            t.nodes[2].instance_id = "i-09000000000000009".into();
        });
        assert!(m.contains("instance id differs"), "{m}");
        let m = error_of(|t| {
            further(t);
            t.nodes[2].attached_to = None;
        });
        assert!(
            m.contains("instance"),
            "a second node may not share the instance: {m}"
        );
    }

    #[test]
    fn unknown_references_name_the_object() {
        let m = error_of(|t| t.route_tables[0].vpc = "vpc-0nope".into());
        assert!(
            m.contains("route table rtb-01000000000000011") && m.contains("vpc-0nope"),
            "{m}"
        );
        let m = error_of(|t| t.vpc_attachments[0].tgw = "tgw-0nope".into());
        assert!(
            m.contains("VPC attachment tgw-attach-01000000000000001") && m.contains("tgw-0nope"),
            "{m}"
        );
        let m = error_of(|t| t.peerings[0].accepter_tgw = "tgw-0nope".into());
        assert!(m.contains("peering tgw-attach-0c000000000000012"), "{m}");
        let m = error_of(|t| t.nodes[0].vpc = "vpc-0nope".into());
        assert!(m.contains("node node1"), "{m}");
        let m = error_of(|t| {
            t.tgw_route_tables[0].routes[0].attachment = Some("tgw-attach-0nope".into())
        });
        assert!(
            m.contains("TGW route table tgw-rtb-01000000000000001")
                && m.contains("tgw-attach-0nope"),
            "{m}"
        );
    }

    #[test]
    fn routes_aws_could_not_hold_are_refused() {
        let eni_elsewhere =
            error_of(|t| t.route_tables[3].routes[1].target = "eni-01000000000000001".into());
        assert!(eni_elsewhere.contains("is in VPC"), "{eni_elsewhere}");
        let tgw_elsewhere =
            error_of(|t| t.route_tables[0].routes[1].target = "tgw-02000000000000001".into());
        assert!(tgw_elsewhere.contains("us-west-2"), "{tgw_elsewhere}");
        let foreign_attachment = error_of(|t| {
            t.tgw_route_tables[0].routes[4].attachment = Some("tgw-attach-02000000000000002".into())
        });
        assert!(
            foreign_attachment.contains("does not belong"),
            "{foreign_attachment}"
        );
        let bad_blackhole =
            error_of(|t| t.tgw_route_tables[0].routes[6].state = RouteState::Active);
        assert!(bad_blackhole.contains("blackhole"), "{bad_blackhole}");
        let bad_cidr = error_of(|t| t.route_tables[0].routes[1].destination = "10.0.0.1/8".into());
        assert!(bad_cidr.contains("canonical"), "{bad_cidr}");
        let twice = error_of(|t| t.route_tables[0].routes[3].destination = "10.2.0.0/16".into());
        assert!(twice.contains("two routes"), "{twice}");
        let unknown_kind = error_of(|t| t.route_tables[0].routes[1].target = "vpce-0123".into());
        assert!(
            unknown_kind.contains("unsupported target"),
            "{unknown_kind}"
        );
    }

    #[test]
    fn structural_rules() {
        assert!(error_of(|t| t.route_tables[1].main = true).contains("2 main route tables"));
        assert!(error_of(|t| t.vpcs[1].id = t.vpcs[0].id.clone()).contains("duplicate VPC"));
        assert!(
            error_of(|t| t.nodes[0].private_ip = "10.9.9.9".into()).contains("outside VPC CIDR")
        );
        assert!(error_of(|t| t.nodes[0].region = "us-west-2".into()).contains("differs"));
        assert!(error_of(|t| t.nodes[0].mac = "0E-10".into()).contains("MAC"));
        assert!(
            error_of(|t| t.vpc_attachments[0].state = "sleepy".into()).contains("unknown state")
        );
        assert!(error_of(|t| t.regions.clear()).contains("no regions"));
        assert!(error_of(|t| t.vpcs[0].region = "mars-1".into()).contains("mars-1"));
        assert!(error_of(|t| t.account_id = "1111".into()).contains("account_id: account 1111"));
        assert!(
            error_of(|t| {
                t.owners
                    .insert(t.transit_gateways[0].id.clone(), "22223333444a".into());
            })
            .contains("12-digit")
        );
        assert!(
            error_of(|t| {
                t.owners
                    .insert("vpc-0nothere".into(), "222233334444".into());
            })
            .contains("no such")
        );
        let shared = |t: &mut Topology| {
            let tgw = t.transit_gateways[0].id.clone();
            t.shared_with.insert(tgw, vec!["4444".into()]);
        };
        assert!(error_of(shared).contains("shared_with 4444"));
        let unknown = |t: &mut Topology| {
            t.shared_with.insert("tgw-0nothere".into(), vec![]);
        };
        assert!(error_of(unknown).contains("no such transit gateway"));
        let role = |arn: &str, trusted: &str| crate::topology::Role {
            arn: arn.into(),
            trusted: vec![trusted.into()],
            external_id: None,
            max_session_duration: None,
        };
        let bad_arn = role("arn:aws:iam::12:role/R", "111122223333");
        assert!(error_of(|t| t.roles.push(bad_arn)).contains("not an IAM role ARN"));
        let bad_trust = role("arn:aws:iam::111122223333:role/R", "arn:aws:iam::1:user/u");
        assert!(error_of(|t| t.roles.push(bad_trust)).contains("trusted arn:aws:iam::1:user/u"));
        let good = role(
            "arn:aws-cn:iam::111122223333:role/path/R",
            "arn:aws:iam::222233334444:role/node",
        );
        assert!(Topology::two_region().validate().is_ok());
        let mut t = Topology::two_region();
        t.roles.push(good.clone());
        assert!(t.validate().is_ok());
        t.roles.push(good);
        assert!(
            t.validate()
                .unwrap_err()
                .to_string()
                .contains("duplicate role")
        );
    }

    #[test]
    fn loading_adds_local_routes_and_rejects_unknown_keys() {
        let text = r#"
            regions = ["us-east-1"]
            [[vpcs]]
            id = "vpc-1"
            region = "us-east-1"
            cidr = "10.5.0.0/16"
            [[route_tables]]
            id = "rtb-1"
            vpc = "vpc-1"
            main = true
        "#;
        let t = Topology::from_toml_str(text).unwrap();
        assert_eq!(
            t.route_tables[0].routes,
            [crate::topology::local_route("10.5.0.0/16")]
        );
        let typo = text.replace("main = true", "main = true\ncolour = \"red\"");
        assert!(matches!(
            Topology::from_toml_str(&typo),
            Err(EmulatorError::ParseTopology(_))
        ));
    }

    #[test]
    fn topologies_survive_a_toml_round_trip() {
        for t in [Topology::two_region(), Topology::landing_zone()] {
            let text = t.to_toml_string().unwrap();
            assert_eq!(Topology::from_toml_str(&text).unwrap(), t);
        }
        let text = Topology::landing_zone().to_toml_string().unwrap();
        assert!(!text.contains("[shared_with]"), "{text}");
        assert!(text.contains("shared_with = ["), "{text}");
    }
}
