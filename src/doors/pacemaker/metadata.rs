//! The OCF meta-data document: what `crm_resource --show-metadata`, `pcs
//! resource describe` and `ocf-tester` read. It follows `ra-api-1.dtd` (the
//! DTD ocf-tester validates with): fixed element order, content types
//! string/integer/boolean only.

use std::fmt::Write;

use super::params::{PARAMETERS, Parameter};

/// The agent's name as installed: `ocf:tgw_generic_rk:tgw-vip`.
pub const AGENT: &str = "tgw-vip";

/// Each action's default timeout and interval, and why.
const ACTIONS: &[(&str, &str, Option<&str>)] = &[
    ("start", "120s", None),
    ("stop", "20s", None),
    ("monitor", "120s", Some("60s")),
    ("validate-all", "20s", None),
    ("meta-data", "5s", None),
];

const LONGDESC: &str = "Points every route to the virtual IP at this node: the route tables of the local VPC, the Transit Gateway route tables, the TGWs peered with it in other regions and the VPCs behind those, all discovered (no table is listed by hand). \
Group it after an IPaddr2 resource that holds the VIP on the interface: IPaddr2 owns the address, this agent the routes. \
start replaces every route that points elsewhere and fails (1) only for a write that failed or a definite answer that forbids success. \
stop makes no AWS call: routes stay where they are until the next start elsewhere, since withdrawing them would only cut clients off sooner. \
monitor fails (1) only for a route it saw pointing elsewhere; when AWS cannot be observed (timeouts, throttling, 5xx, AccessDenied) it succeeds with a warning, or answers 190 (degraded) with unobservable_is_degraded=true: a recovery cannot cure an unwell API. \
Default timeouts: start and monitor 120s, because with the default parameters one run is bounded by 93 s (instance metadata 2 x 3 x (imds_timeout + 0.5 s) = 33 s, EC2 3 x (connect_timeout + 2 x read_timeout) = 60 s); a shorter operation timeout shrinks that bound to fit, 2 s before Pacemaker's. stop needs no network: 20s. monitor every 60s costs about five EC2 reads per region.";

/// The whole document.
pub fn document() -> String {
    let mut xml = String::new();
    xml.push_str("<?xml version=\"1.0\"?>\n");
    xml.push_str("<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n");
    let _ = writeln!(
        xml,
        "<resource-agent name=\"{AGENT}\" version=\"{}\">",
        env!("CARGO_PKG_VERSION")
    );
    xml.push_str("<version>1.0</version>\n");
    let _ = writeln!(xml, "<longdesc lang=\"en\">{}</longdesc>", escape(LONGDESC));
    xml.push_str("<shortdesc lang=\"en\">VIP routes across VPCs, Transit Gateways and regions on AWS</shortdesc>\n");
    xml.push_str("<parameters>\n");
    PARAMETERS.iter().for_each(|p| parameter(&mut xml, p));
    xml.push_str("</parameters>\n<actions>\n");
    for (name, timeout, interval) in ACTIONS {
        let interval = interval
            .map(|i| format!(" interval=\"{i}\""))
            .unwrap_or_default();
        let _ = writeln!(
            xml,
            "<action name=\"{name}\" timeout=\"{timeout}\"{interval}/>"
        );
    }
    xml.push_str("</actions>\n</resource-agent>\n");
    xml
}

fn parameter(xml: &mut String, p: &Parameter) {
    let required = u8::from(p.name == "ip");
    let _ = writeln!(
        xml,
        "<parameter name=\"{}\" unique=\"{required}\" required=\"{required}\">",
        p.name
    );
    let _ = writeln!(
        xml,
        "<longdesc lang=\"en\">{}</longdesc>",
        escape(p.longdesc)
    );
    let _ = writeln!(
        xml,
        "<shortdesc lang=\"en\">{}</shortdesc>",
        escape(p.shortdesc)
    );
    let default = p
        .default
        .map(|d| format!(" default=\"{}\"", escape(d)))
        .unwrap_or_default();
    let _ = writeln!(xml, "<content type=\"{}\"{default}/>", p.kind);
    xml.push_str("</parameter>\n");
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_has_the_dtd_order_and_every_parameter() {
        let xml = document();
        assert!(xml.starts_with(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">\n"
        ));
        let order = [
            "<version>",
            "<longdesc",
            "<shortdesc",
            "<parameters>",
            "<actions>",
        ];
        let at: Vec<usize> = order.iter().map(|t| xml.find(t).unwrap()).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
        for p in PARAMETERS {
            assert!(
                xml.contains(&format!("<parameter name=\"{}\"", p.name)),
                "{}",
                p.name
            );
            assert!(["string", "integer", "boolean"].contains(&p.kind));
            assert!(!p.longdesc.is_empty());
        }
        for action in ["start", "stop", "monitor", "validate-all", "meta-data"] {
            assert!(
                xml.contains(&format!("<action name=\"{action}\" timeout=")),
                "{action}"
            );
        }
        assert!(xml.contains("<parameter name=\"ip\" unique=\"1\" required=\"1\">"));
    }

    #[test]
    fn the_advertised_start_timeout_covers_the_default_bound() {
        use crate::session::RunBound;
        let bound = RunBound::of(&super::super::params::settings(
            &Default::default(),
            Vec::new(),
        ));
        assert_eq!(bound.total().as_secs(), 93, "update LONGDESC's arithmetic");
        assert!(bound.total().as_secs() + 5 < 120);
    }
}
