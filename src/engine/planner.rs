//! The pure heart of the tool: from the discovered topology, decide for every
//! VIP route where it must point, whether it already does, and what is wrong
//! with the setup. No I/O, no async, no SDK types: restore, recover,
//! quickCheck, status and plan all read the same [`Plan`].
//!
//! The five hops (SPEC §1), as seen from the node becoming active:
//! 1. local VPC tables → this node's ENI;
//! 2. local TGW tables → the local VPC's attachment;
//! 3. each peered TGW's tables → the peering attachment;
//! 4. other VPCs on the local TGW → the local TGW;
//! 5. VPCs on each peered TGW → that TGW.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use serde::Serialize;

use crate::engine::ec2::{ApiError, ApiErrorKind, Replacement};
use crate::engine::topology::{
    LocalTgw, PeeredTgw, RegionFacts, Target, TgwTableFacts, Topology, VpcAttachment,
    VpcRouteTable, choose_local_tgw, peered_tgws,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hop {
    LocalVpc,
    LocalTgw,
    RemoteTgw,
    LocalTgwVpc,
    RemoteTgwVpc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Already points where it must.
    Right,
    /// Points elsewhere (or is a blackhole): restore replaces it.
    Wrong,
    /// A propagated TGW route pointing elsewhere: never replaced, only reported.
    Propagated,
}

/// One VIP route and where it must point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteCheck {
    pub hop: Hop,
    pub region: String,
    pub table_id: String,
    /// The VPC or TGW the table belongs to.
    pub owner: String,
    /// The account whose role reads and writes the table (cross-account
    /// runs); `None`: the node's own credentials.
    pub account: Option<String>,
    pub current: Target,
    pub desired: Target,
    pub verdict: Verdict,
}

/// Something about the setup worth reporting, as plain facts. The planner
/// decides what is wrong; [`crate::log::lines`] words it (the 127xxx texts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// A lookup failed with a definite answer, or in the local region.
    LookupFailed {
        error: ApiError,
        remote: bool,
    },
    /// No table of the local VPC holds the VIP route.
    NoLocalVpcRoute {
        vpc_id: String,
    },
    NoTgwOnLocalVpc {
        vpc_id: String,
    },
    /// The local VPC is attached to `candidates` TGWs; `tgw_id` was chosen.
    SeveralTgwsOnLocalVpc {
        vpc_id: String,
        candidates: usize,
        tgw_id: String,
    },
    /// No table of the local TGW holds the VIP route.
    NoLocalTgwRoute {
        tgw_id: String,
    },
    /// The local TGW's peerings could not be observed (AWS did not answer).
    PeeringsUnknown {
        tgw_id: String,
        error: ApiError,
    },
    /// The local TGW has no peer (the setup is a single region).
    NoPeeredTgw {
        vpc_id: String,
    },
    /// No table of a peered TGW holds the VIP route (or it was not seen).
    NoPeeredTgwRoute {
        tgw_id: String,
    },
    /// A remote region stayed silent past its deadline; its routes
    /// converge on the next run.
    RegionUnreachable {
        region: String,
        tgw_id: String,
        reason: String,
    },
    /// A lookup in a remote region failed without a definite answer
    /// (silence, throttling, 5xx, garbled documents); its routes behind
    /// `tgw_id` converge on the next run.
    RegionFailed {
        tgw_id: String,
        error: ApiError,
    },
    /// A propagated TGW route points elsewhere: never replaced.
    PropagatedRoute {
        table_id: String,
        route: Target,
    },
    /// No VPC behind the TGWs holds the VIP route.
    NoRemoteVpcRoute,
    /// A TGW table began deleting (or vanished) before its search.
    TgwTableSkipped {
        table_id: String,
        region: String,
        error: ApiError,
    },
}

impl Finding {
    /// Whether restore must exit 1 for it (quickCheck never does): what
    /// was seen wrong locally, or a definite "no" from AWS.
    pub fn fails_restore(&self) -> bool {
        matches!(
            self,
            Finding::LookupFailed { .. }
                | Finding::NoLocalVpcRoute { .. }
                | Finding::NoTgwOnLocalVpc { .. }
                | Finding::NoLocalTgwRoute { .. }
        )
    }
}

/// Every VIP route of one run and where it must point, as seen from this
/// node's region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub vip: Ipv4Addr,
    /// This node's region: the one whose silence fails a restore.
    pub local_region: String,
    /// This node's account, in cross-account runs.
    pub node_account: Option<String>,
    pub checks: Vec<RouteCheck>,
    pub findings: Vec<Finding>,
    /// Regions whose work was skipped because they did not answer.
    pub unreachable_regions: Vec<String>,
}

impl RouteCheck {
    /// The write that makes this route point where it must.
    pub fn replacement(&self) -> Replacement {
        Replacement {
            region: self.region.clone(),
            table_id: self.table_id.clone(),
            target: self.desired.clone(),
            account: self.account.clone(),
        }
    }
}

impl Plan {
    /// Whether restore must fail even if every replacement succeeds.
    pub fn fails_restore(&self) -> bool {
        self.findings.iter().any(Finding::fails_restore)
    }

    /// The account that owns `check`'s table, in cross-account runs.
    pub fn account_of(&self, check: &RouteCheck) -> Option<String> {
        check.account.clone().or_else(|| self.node_account.clone())
    }

    pub fn replacements(&self) -> impl Iterator<Item = &RouteCheck> {
        self.checks.iter().filter(|c| c.verdict == Verdict::Wrong)
    }
}

/// Decides every VIP route of `topo`.
pub fn plan(topo: &Topology) -> Plan {
    let mut p = Planner {
        topo,
        plan: Plan {
            vip: topo.vip,
            local_region: topo.node.region.clone(),
            node_account: topo.node.account().map(str::to_string),
            checks: Vec::new(),
            findings: Vec::new(),
            unreachable_regions: Vec::new(),
        },
        seen_tables: BTreeSet::new(),
    };
    p.local_vpc();
    if let Some(local_tgw) = p.local_tgw() {
        p.local_tgw_tables(&local_tgw);
        let peers = p.peers(&local_tgw);
        for peer in &peers {
            p.peered_tgw_tables(peer);
        }
        let before = p.plan.checks.len();
        p.vpcs_on_tgw(&topo.local, &local_tgw.tgw_id, Hop::LocalTgwVpc);
        for peer in &peers {
            if let Some(facts) = p.facts_of(&peer.region) {
                p.vpcs_on_tgw(facts, &peer.tgw_id, Hop::RemoteTgwVpc);
            }
        }
        let observable = p.topo.peerings.is_ok() && p.remote_vpcs_were_observable(&peers);
        if p.plan.checks.len() == before && observable {
            p.note(Finding::NoRemoteVpcRoute);
        }
    }
    p.plan
}

/// Which hop a table belongs to, in which region, owned by which VPC or
/// TGW, reached with whose credentials.
#[derive(Clone, Copy)]
struct Where<'w> {
    hop: Hop,
    region: &'w str,
    owner: &'w str,
    account: Option<&'w str>,
}

struct Planner<'a> {
    topo: &'a Topology,
    plan: Plan,
    seen_tables: BTreeSet<String>,
}

impl<'a> Planner<'a> {
    fn note(&mut self, finding: Finding) {
        // One failed lookup can block several hops; say it once.
        if !self.plan.findings.contains(&finding) {
            self.plan.findings.push(finding);
        }
    }

    /// A lookup that failed. In a remote region, silence is tolerated (the
    /// failover into the surviving region must complete); a definite "no" is not.
    fn lookup_failed(&mut self, err: &ApiError, tgw: Option<&str>) {
        let remote = err.region != self.topo.node.region;
        if remote && err.is_transient() {
            let tgw = tgw.unwrap_or("-");
            self.region_skipped(
                &err.region,
                tgw,
                Finding::RegionFailed {
                    tgw_id: tgw.to_string(),
                    error: err.clone(),
                },
            );
        } else {
            self.note(Finding::LookupFailed {
                error: err.clone(),
                remote,
            });
        }
    }

    /// A remote region's work is skipped; `why` says what happened.
    fn region_skipped(&mut self, region: &str, tgw: &str, why: Finding) {
        self.note(Finding::NoPeeredTgwRoute {
            tgw_id: tgw.to_string(),
        });
        self.note(why);
        if !self.plan.unreachable_regions.iter().any(|r| r == region) {
            self.plan.unreachable_regions.push(region.to_string());
        }
    }

    fn check(
        &mut self,
        at: Where<'_>,
        table_id: &str,
        current: &Target,
        desired: Target,
        propagated: bool,
    ) {
        if !self.seen_tables.insert(table_id.to_string()) {
            return;
        }
        let verdict = match (current == &desired, propagated) {
            (true, _) => Verdict::Right,
            (false, false) => Verdict::Wrong,
            (false, true) => Verdict::Propagated,
        };
        if verdict == Verdict::Propagated {
            self.note(Finding::PropagatedRoute {
                table_id: table_id.to_string(),
                route: current.clone(),
            });
        }
        self.plan.checks.push(RouteCheck {
            hop: at.hop,
            region: at.region.to_string(),
            table_id: table_id.to_string(),
            owner: at.owner.to_string(),
            account: at.account.map(str::to_string),
            current: current.clone(),
            desired,
            verdict,
        });
    }

    /// Hop 1: every table of the local VPC → this node's ENI.
    fn local_vpc(&mut self) {
        let node = &self.topo.node;
        let tables = match &self.topo.local.vpc_tables {
            Ok(tables) => tables,
            Err(err) => return self.lookup_failed(err, None),
        };
        let mine: Vec<_> = tables.iter().filter(|t| t.vpc_id == node.vpc_id).collect();
        if mine.is_empty() {
            let finding = Finding::NoLocalVpcRoute {
                vpc_id: node.vpc_id.clone(),
            };
            return self.note(finding);
        }
        for t in mine {
            let desired = Target::Eni(node.eni_id.clone());
            let at = Where {
                hop: Hop::LocalVpc,
                region: &node.region,
                owner: &t.vpc_id,
                account: None,
            };
            self.check(at, &t.id, &t.vip_target, desired, false);
        }
    }

    fn local_tgw(&mut self) -> Option<LocalTgw> {
        let vpc = self.topo.node.vpc_id.clone();
        let attachments = match &self.topo.local.attachments {
            Ok(a) => a,
            Err(err) => {
                self.lookup_failed(err, None);
                return None;
            }
        };
        let Some(chosen) = choose_local_tgw(attachments, &vpc) else {
            self.note(Finding::NoTgwOnLocalVpc { vpc_id: vpc });
            return None;
        };
        if chosen.candidates > 1 {
            self.note(Finding::SeveralTgwsOnLocalVpc {
                vpc_id: vpc,
                candidates: chosen.candidates,
                tgw_id: chosen.tgw_id.clone(),
            });
        }
        Some(chosen)
    }

    /// Hop 2: every table of the local TGW → the local VPC's attachment.
    fn local_tgw_tables(&mut self, local_tgw: &LocalTgw) {
        let desired = Target::Attachment(local_tgw.attachment_id.clone());
        let region = self.topo.node.region.clone();
        let found = self.tgw_tables(
            &self.topo.local,
            &local_tgw.tgw_id,
            Hop::LocalTgw,
            &region,
            desired,
        );
        if found == Some(0) {
            self.note(Finding::NoLocalTgwRoute {
                tgw_id: local_tgw.tgw_id.clone(),
            });
        }
    }

    fn peers(&mut self, local_tgw: &LocalTgw) -> Vec<PeeredTgw> {
        let peerings = match &self.topo.peerings {
            Ok(p) => p,
            // Only the remote hops depend on the peerings: when AWS could
            // not be observed, the local hops still converge and the next
            // quickCheck or recover picks the remote ones up.
            Err(err) if err.is_transient() => {
                self.note(Finding::PeeringsUnknown {
                    tgw_id: local_tgw.tgw_id.clone(),
                    error: err.clone(),
                });
                return Vec::new();
            }
            Err(err) => {
                self.lookup_failed(err, None);
                return Vec::new();
            }
        };
        let peers = peered_tgws(peerings, &local_tgw.tgw_id);
        if peers.is_empty() {
            self.note(Finding::NoPeeredTgw {
                vpc_id: self.topo.node.vpc_id.clone(),
            });
        }
        peers
    }

    fn facts_of(&self, region: &str) -> Option<&'a RegionFacts> {
        self.topo.facts_of(region)
    }

    /// Hop 3: every table of a peered TGW → the peering attachment.
    fn peered_tgw_tables(&mut self, peer: &PeeredTgw) {
        let Some(facts) = self.facts_of(&peer.region) else {
            let why = Finding::RegionUnreachable {
                region: peer.region.clone(),
                tgw_id: peer.tgw_id.clone(),
                reason: self.unreachable_reason(&peer.region),
            };
            return self.region_skipped(&peer.region, &peer.tgw_id, why);
        };
        let desired = Target::Attachment(peer.peering_id.clone());
        let found = self.tgw_tables(facts, &peer.tgw_id, Hop::RemoteTgw, &peer.region, desired);
        if found == Some(0) {
            self.note(Finding::NoPeeredTgwRoute {
                tgw_id: peer.tgw_id.clone(),
            });
        }
    }

    fn unreachable_reason(&self, region: &str) -> String {
        self.topo
            .silence_of(region)
            .unwrap_or("region was not looked up")
            .to_string()
    }

    /// Checks the VIP route of each table of `tgw_id`; returns how many tables
    /// have one, or `None` when the tables could not be listed.
    fn tgw_tables(
        &mut self,
        facts: &RegionFacts,
        tgw_id: &str,
        hop: Hop,
        region: &str,
        desired: Target,
    ) -> Option<usize> {
        let tables: &Vec<TgwTableFacts> = match &facts.tgw_tables {
            Ok(t) => t,
            Err(err) => {
                self.lookup_failed(err, Some(tgw_id));
                return None;
            }
        };
        let mut found = 0;
        for t in tables.iter().filter(|t| t.table.tgw_id == tgw_id) {
            match &t.vip_route {
                Ok(Some(route)) => {
                    found += 1;
                    let at = Where {
                        hop,
                        region,
                        owner: tgw_id,
                        account: t.table.account.as_deref(),
                    };
                    self.check(
                        at,
                        &t.table.id,
                        &route.target,
                        desired.clone(),
                        route.propagated,
                    );
                }
                Ok(None) => {}
                Err(err) => {
                    // Unknown is not absent: never claim 127014/127033 for it.
                    found += 1;
                    if table_went_away(err) {
                        self.note(Finding::TgwTableSkipped {
                            table_id: t.table.id.clone(),
                            region: region.to_string(),
                            error: err.clone(),
                        });
                    } else {
                        self.lookup_failed(err, Some(tgw_id));
                    }
                }
            }
        }
        Some(found)
    }

    /// Hops 4 and 5: tables of VPCs attached to `tgw_id` → that TGW. The
    /// tables come from the node's own lookup and, in cross-account runs,
    /// from each account owning an attached VPC; one account that cannot
    /// be read leaves the others to converge.
    fn vpcs_on_tgw(&mut self, facts: &'a RegionFacts, tgw_id: &str, hop: Hop) {
        let (own, attachments) = match (&facts.vpc_tables, facts.attachments_of_tgws()) {
            (Ok(t), Ok(a)) => (t.as_slice(), a),
            (Err(err), Ok(a)) if !facts.other_accounts.is_empty() => {
                self.lookup_failed(err, Some(tgw_id));
                (&[][..], a)
            }
            (Err(err), _) | (_, Err(err)) => return self.lookup_failed(err, Some(tgw_id)),
        };
        let attached: BTreeSet<&str> = attachments
            .iter()
            .filter(|a| a.tgw_id == tgw_id)
            .map(|a| a.vpc_id.as_str())
            .collect();
        let mut tables: Vec<&'a VpcRouteTable> = own.iter().collect();
        for other in &facts.other_accounts {
            match &other.vpc_tables {
                Ok(t) => tables.extend(t),
                Err(err) if self.owns_a_vpc_on(attachments, tgw_id, &other.account) => {
                    self.lookup_failed(err, Some(tgw_id))
                }
                Err(_) => {}
            }
        }
        for t in tables {
            if t.vpc_id == self.topo.node.vpc_id || !attached.contains(t.vpc_id.as_str()) {
                continue;
            }
            let desired = Target::TransitGateway(tgw_id.to_string());
            let at = Where {
                hop,
                region: &facts.region,
                owner: &t.vpc_id,
                account: t.account.as_deref(),
            };
            self.check(at, &t.id, &t.vip_target, desired, false);
        }
    }

    /// Whether `account` owns a VPC attached to `tgw_id`: its failed lookup
    /// only matters for the TGWs its VPCs hang off.
    fn owns_a_vpc_on(&self, attachments: &[VpcAttachment], tgw_id: &str, account: &str) -> bool {
        attachments
            .iter()
            .any(|a| a.tgw_id == tgw_id && a.vpc_owner.as_deref() == Some(account))
    }

    /// 127022 only makes sense when every region that could hold such a
    /// table was actually seen.
    fn remote_vpcs_were_observable(&self, peers: &[PeeredTgw]) -> bool {
        peers.iter().all(|p| self.facts_of(&p.region).is_some())
    }
}

/// A TGW table listed as `available` that began deleting (or vanished)
/// before its search: AWS answers IncorrectState or NotFound. It no longer
/// carries traffic, so restore leaves it alone rather than fail.
fn table_went_away(err: &ApiError) -> bool {
    matches!(&err.kind, ApiErrorKind::Service { code, .. }
        if code == "IncorrectState" || code == "InvalidRouteTableID.NotFound")
}

#[cfg(test)]
pub(crate) mod tests;
