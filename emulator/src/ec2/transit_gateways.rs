//! DescribeTransitGateways, DescribeTransitGatewayVpcAttachments,
//! DescribeTransitGatewayPeeringAttachments and
//! DescribeTransitGatewayRouteTables.

use super::Call;
use super::api_error::ApiError;
use super::describe::{Describable, Listing, describe};
use super::filters::name_tag_values;
use super::pagination::DEFAULT_LIMITS;
use super::regional;
use super::xml::Xml;
use crate::topology::{Peering, TgwRouteTable, Topology, TransitGateway, VpcAttachment};

/// Every object reports the same creation time; nothing depends on it.
const CREATION_TIME: &str = "2025-01-15T09:30:00.000Z";

const TGW_LISTING: Listing = Listing {
    list_tag: "transitGatewaySet",
    id_param: "TransitGatewayIds",
    filters: &["transit-gateway-id", "state", "owner-id", "tag-key", "tag:"],
    limits: DEFAULT_LIMITS,
    not_found: |id| {
        ApiError::client(
            "InvalidTransitGatewayID.NotFound",
            format!("Transit Gateway {id} was deleted or does not exist."),
        )
    },
};

const VPC_ATTACHMENT_LISTING: Listing = Listing {
    list_tag: "transitGatewayVpcAttachments",
    id_param: "TransitGatewayAttachmentIds",
    filters: &[
        "transit-gateway-id",
        "vpc-id",
        "state",
        "transit-gateway-attachment-id",
        "tag-key",
        "tag:",
    ],
    limits: DEFAULT_LIMITS,
    not_found: ApiError::attachment_not_found,
};

const PEERING_LISTING: Listing = Listing {
    list_tag: "transitGatewayPeeringAttachments",
    id_param: "TransitGatewayAttachmentIds",
    filters: &[
        "transit-gateway-id",
        "state",
        "transit-gateway-attachment-id",
        "tag-key",
        "tag:",
    ],
    limits: DEFAULT_LIMITS,
    not_found: ApiError::attachment_not_found,
};

const ROUTE_TABLE_LISTING: Listing = Listing {
    list_tag: "transitGatewayRouteTables",
    id_param: "TransitGatewayRouteTableIds",
    filters: &[
        "transit-gateway-id",
        "transit-gateway-route-table-id",
        "state",
        "default-association-route-table",
        "default-propagation-route-table",
        "tag-key",
        "tag:",
    ],
    limits: DEFAULT_LIMITS,
    not_found: ApiError::tgw_route_table_not_found,
};

pub fn describe_transit_gateways(c: &Call<'_>) -> Result<String, ApiError> {
    describe(
        c,
        &TGW_LISTING,
        regional::transit_gateways(c.world, c.region)
            .filter(|t| regional::sees_tgw(c.world, c.account, t))
            .collect(),
    )
}

pub fn describe_vpc_attachments(c: &Call<'_>) -> Result<String, ApiError> {
    describe(
        c,
        &VPC_ATTACHMENT_LISTING,
        regional::vpc_attachments(c.world, c.region)
            .filter(|a| regional::sees_vpc_attachment(c.world, c.account, a))
            .collect(),
    )
}

pub fn describe_peering_attachments(c: &Call<'_>) -> Result<String, ApiError> {
    describe(
        c,
        &PEERING_LISTING,
        regional::peerings(c.world, c.region)
            .filter(|p| regional::sees_peering(c.world, c.account, p))
            .collect(),
    )
}

pub fn describe_route_tables(c: &Call<'_>) -> Result<String, ApiError> {
    describe(
        c,
        &ROUTE_TABLE_LISTING,
        regional::tgw_route_tables(c.world, c.region)
            .filter(|t| regional::owns_tgw(c.world, c.account, &t.tgw))
            .collect(),
    )
}

impl Describable for TransitGateway {
    fn id(&self) -> &str {
        &self.id
    }

    fn field(&self, w: &Topology, filter: &str) -> Vec<String> {
        match filter {
            "transit-gateway-id" => vec![self.id.clone()],
            "state" => vec!["available".into()],
            "owner-id" => vec![w.tgw_owner(&self.id).to_string()],
            other => name_tag_values(other, self.name.as_deref()),
        }
    }

    fn write(&self, x: &mut Xml, w: &Topology) {
        let owner = w.tgw_owner(&self.id);
        let arn = format!(
            "arn:aws:ec2:{}:{}:transit-gateway/{}",
            self.region, owner, self.id
        );
        x.text("transitGatewayId", &self.id)
            .text("transitGatewayArn", &arn)
            .text("state", "available")
            .text("ownerId", owner)
            .text("description", self.name.as_deref().unwrap_or_default())
            .text("creationTime", CREATION_TIME)
            .name_tag(self.name.as_deref());
    }
}

impl Describable for VpcAttachment {
    fn id(&self) -> &str {
        &self.id
    }

    fn field(&self, _: &Topology, filter: &str) -> Vec<String> {
        match filter {
            "transit-gateway-id" => vec![self.tgw.clone()],
            "vpc-id" => vec![self.vpc.clone()],
            "state" => vec![self.state.clone()],
            "transit-gateway-attachment-id" => vec![self.id.clone()],
            other => name_tag_values(other, self.name.as_deref()),
        }
    }

    fn write(&self, x: &mut Xml, w: &Topology) {
        x.text("transitGatewayAttachmentId", &self.id)
            .text("transitGatewayId", &self.tgw)
            .text("vpcId", &self.vpc)
            .text("vpcOwnerId", w.vpc_owner(&self.vpc))
            .text("state", &self.state)
            .text("creationTime", CREATION_TIME)
            .name_tag(self.name.as_deref());
    }
}

impl Describable for Peering {
    fn id(&self) -> &str {
        &self.id
    }

    fn field(&self, _: &Topology, filter: &str) -> Vec<String> {
        match filter {
            "transit-gateway-id" => vec![self.requester_tgw.clone(), self.accepter_tgw.clone()],
            "state" => vec![self.state.clone()],
            "transit-gateway-attachment-id" => vec![self.id.clone()],
            other => name_tag_values(other, self.name.as_deref()),
        }
    }

    fn write(&self, x: &mut Xml, w: &Topology) {
        x.text("transitGatewayAttachmentId", &self.id);
        x.elem("requesterTgwInfo", |x| {
            write_tgw_info(x, w, &self.requester_tgw)
        });
        x.elem("accepterTgwInfo", |x| {
            write_tgw_info(x, w, &self.accepter_tgw)
        });
        x.elem("status", |x| {
            x.text("code", &self.state)
                .text("message", &status_message(&self.state));
        });
        x.text("state", &self.state)
            .text("creationTime", CREATION_TIME)
            .name_tag(self.name.as_deref());
    }
}

fn write_tgw_info(x: &mut Xml, w: &Topology, tgw: &str) {
    x.text("transitGatewayId", tgw)
        .text("ownerId", w.tgw_owner(tgw))
        .text("region", regional::tgw_region(w, tgw).unwrap_or_default());
}

fn status_message(state: &str) -> String {
    match state {
        "available" => "Available".to_string(),
        other => format!("Peering attachment is {other}"),
    }
}

impl Describable for TgwRouteTable {
    fn id(&self) -> &str {
        &self.id
    }

    fn field(&self, w: &Topology, filter: &str) -> Vec<String> {
        let default = is_default_table(w, self).to_string();
        match filter {
            "transit-gateway-id" => vec![self.tgw.clone()],
            "transit-gateway-route-table-id" => vec![self.id.clone()],
            "state" => vec![self.state.clone()],
            "default-association-route-table" | "default-propagation-route-table" => vec![default],
            other => name_tag_values(other, self.name.as_deref()),
        }
    }

    fn write(&self, x: &mut Xml, w: &Topology) {
        let default = is_default_table(w, self);
        x.text("transitGatewayRouteTableId", &self.id)
            .text("transitGatewayId", &self.tgw)
            .text("state", &self.state)
            .bool("defaultAssociationRouteTable", default)
            .bool("defaultPropagationRouteTable", default)
            .text("creationTime", CREATION_TIME)
            .name_tag(self.name.as_deref());
    }
}

/// The first table listed for a TGW plays the default table.
fn is_default_table(w: &Topology, table: &TgwRouteTable) -> bool {
    w.tgw_route_tables
        .iter()
        .find(|t| t.tgw == table.tgw)
        .is_some_and(|t| t.id == table.id)
}
