//! IPv4 CIDR arithmetic, because EC2 compares destinations as networks,
//! not as strings, and SearchTransitGatewayRoutes needs containment tests.

use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// A canonical IPv4 network (no host bits set), as EC2 stores destinations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    network: u32,
    prefix: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n`, rejecting host bits so that two spellings of one
    /// network never coexist in a table.
    pub fn parse(text: &str) -> Option<Cidr> {
        let (addr, len) = text.split_once('/')?;
        let addr = Ipv4Addr::from_str(addr).ok()?;
        let prefix: u8 = len.parse().ok().filter(|p| *p <= 32)?;
        if len.starts_with('+') || (len.len() > 1 && len.starts_with('0')) {
            return None;
        }
        let network = u32::from(addr);
        (network & mask(prefix) == network).then_some(Cidr { network, prefix })
    }

    pub fn prefix(self) -> u8 {
        self.prefix
    }

    pub fn contains_ip(self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & mask(self.prefix) == self.network
    }

    /// True when `other` lies entirely inside `self` (equal networks included).
    pub fn contains(self, other: Cidr) -> bool {
        other.prefix >= self.prefix && other.network & mask(self.prefix) == self.network
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.network), self.prefix)
    }
}

fn mask(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

/// True when both texts parse to the same network.
pub fn same_network(a: &str, b: &str) -> bool {
    matches!((Cidr::parse(a), Cidr::parse(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_canonical_networks_only() {
        assert_eq!(Cidr::parse("10.0.0.100/32").map(|c| c.prefix()), Some(32));
        assert!(Cidr::parse("0.0.0.0/0").is_some());
        assert!(Cidr::parse("10.1.0.1/16").is_none());
        assert!(Cidr::parse("10.1.0.0/33").is_none());
        assert!(Cidr::parse("10.1.0.0").is_none());
        assert!(Cidr::parse("10.1.0.0/016").is_none());
        assert!(Cidr::parse("banana/8").is_none());
    }

    #[test]
    fn containment_is_inclusive() {
        let big = Cidr::parse("10.0.0.0/8").unwrap();
        let small = Cidr::parse("10.0.0.100/32").unwrap();
        assert!(big.contains(small));
        assert!(big.contains(big));
        assert!(!small.contains(big));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(small));
        assert!(big.contains_ip(Ipv4Addr::new(10, 9, 9, 9)));
        assert!(!big.contains_ip(Ipv4Addr::new(11, 0, 0, 1)));
    }
}
