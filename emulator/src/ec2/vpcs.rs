//! DescribeVpcs and DescribeNetworkInterfaceAttribute, answered minimally
//! for tgw_generic_rk's `doctor` checks (VPC CIDRs, source/dest check).

use super::Call;
use super::api_error::ApiError;
use super::describe::{Describable, Listing, describe};
use super::filters::name_tag_values;
use super::pagination::DEFAULT_LIMITS;
use super::regional;
use super::xml::Xml;
use crate::topology::{Topology, Vpc};

const VPC_FILTERS: &[&str] = &[
    "vpc-id",
    "cidr",
    "cidr-block-association.cidr-block",
    "state",
    "is-default",
    "owner-id",
    "tag-key",
    "tag:",
];

const LISTING: Listing = Listing {
    list_tag: "vpcSet",
    id_param: "VpcId",
    filters: VPC_FILTERS,
    limits: DEFAULT_LIMITS,
    not_found: |id| {
        ApiError::client(
            "InvalidVpcID.NotFound",
            format!("The vpc ID '{id}' does not exist"),
        )
    },
};

pub fn describe_vpcs(c: &Call<'_>) -> Result<String, ApiError> {
    let visible = regional::vpcs(c.world, c.region)
        .filter(|v| regional::sees_vpc(c.world, c.account, &v.id))
        .collect();
    describe(c, &LISTING, visible)
}

impl Describable for Vpc {
    fn id(&self) -> &str {
        &self.id
    }

    fn field(&self, w: &Topology, filter: &str) -> Vec<String> {
        vpc_field(w, self, filter)
    }

    fn write(&self, x: &mut Xml, w: &Topology) {
        write_vpc(x, w, self);
    }
}

fn vpc_field(w: &Topology, v: &Vpc, name: &str) -> Vec<String> {
    match name {
        "vpc-id" => vec![v.id.clone()],
        "cidr" | "cidr-block-association.cidr-block" => vec![v.cidr.clone()],
        "state" => vec!["available".into()],
        "is-default" => vec!["false".into()],
        "owner-id" => vec![w.vpc_owner(&v.id).to_string()],
        other => name_tag_values(other, v.name.as_deref()),
    }
}

fn write_vpc(x: &mut Xml, w: &Topology, v: &Vpc) {
    let suffix = v.id.trim_start_matches("vpc-");
    x.text("vpcId", &v.id)
        .text("ownerId", w.vpc_owner(&v.id))
        .text("state", "available")
        .text("cidrBlock", &v.cidr)
        .list("cidrBlockAssociationSet", &[&v.cidr], |x, cidr| {
            x.text("associationId", &format!("vpc-cidr-assoc-{suffix}"))
                .text("cidrBlock", cidr)
                .elem("cidrBlockState", |x| {
                    x.text("state", "associated");
                });
        })
        .text("dhcpOptionsId", "dopt-0e000000000000001")
        .text("instanceTenancy", "default")
        .bool("isDefault", false)
        .name_tag(v.name.as_deref());
}

/// Only `sourceDestCheck` is modelled; other attributes are refused rather
/// than answered with invented values.
pub fn describe_network_interface_attribute(c: &Call<'_>) -> Result<String, ApiError> {
    let eni = c.params.required("NetworkInterfaceId")?;
    let attribute = c.params.required("Attribute")?;
    let node = regional::node_by_eni(c.world, c.region, eni);
    let node = node.filter(|n| regional::sees_vpc(c.world, c.account, &n.vpc));
    let node = node.ok_or_else(|| {
        ApiError::client(
            "InvalidNetworkInterfaceID.NotFound",
            format!("The networkInterface ID '{eni}' does not exist"),
        )
    })?;
    if attribute != "sourceDestCheck" {
        return Err(ApiError::invalid_value(format!(
            "Value ({attribute}) for parameter attribute is invalid. Unknown attribute."
        )));
    }
    let mut x = Xml::new();
    x.text("networkInterfaceId", &node.eni)
        .elem("sourceDestCheck", |x| {
            x.bool("value", node.source_dest_check);
        });
    Ok(x.into_string())
}
