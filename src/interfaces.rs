//! Which local network interface holds the VIP, read from the kernel.
//!
//! IMDS knows every ENI of the instance but not which one LifeKeeper's IP
//! resource put the VIP on; only the OS does.

use std::net::Ipv4Addr;

use nix::ifaddrs::getifaddrs;

/// One address or link entry of an interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub mac: Option<String>,
    pub ipv4: Vec<Ipv4Addr>,
}

/// Every interface with its MAC and IPv4 addresses; empty when the kernel
/// will not tell (the caller then falls back to the primary interface).
pub fn list() -> Vec<Interface> {
    let Ok(addrs) = getifaddrs() else {
        return Vec::new();
    };
    let mut out: Vec<Interface> = Vec::new();
    for a in addrs {
        let idx = match out.iter().position(|i| i.name == a.interface_name) {
            Some(i) => i,
            None => {
                out.push(Interface {
                    name: a.interface_name.clone(),
                    mac: None,
                    ipv4: Vec::new(),
                });
                out.len() - 1
            }
        };
        let Some(addr) = a.address else { continue };
        if let Some(sin) = addr.as_sockaddr_in() {
            out[idx].ipv4.push(sin.ip());
        } else if let Some(mac) = addr.as_link_addr().and_then(|l| l.addr()) {
            out[idx].mac = Some(format_mac(mac));
        }
    }
    out
}

fn format_mac(bytes: [u8; 6]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The interface that holds `vip`, if this node has it up.
pub fn holding(interfaces: &[Interface], vip: Ipv4Addr) -> Option<&Interface> {
    interfaces.iter().find(|i| i.ipv4.contains(&vip))
}

/// The MAC of the interface that holds `vip`, as IMDS spells MACs.
pub fn mac_holding(interfaces: &[Interface], vip: Ipv4Addr) -> Option<String> {
    holding(interfaces, vip).and_then(|i| i.mac.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interface_holding_the_vip_gives_its_mac() {
        let ifaces = [
            Interface {
                name: "lo".into(),
                mac: Some("00:00:00:00:00:00".into()),
                ipv4: vec![Ipv4Addr::LOCALHOST],
            },
            Interface {
                name: "eth1".into(),
                mac: Some(format_mac([0x0e, 0x1a, 0, 0, 0xbe, 0xef])),
                ipv4: vec![Ipv4Addr::new(10, 1, 0, 5), Ipv4Addr::new(10, 0, 0, 100)],
            },
        ];
        assert_eq!(
            mac_holding(&ifaces, Ipv4Addr::new(10, 0, 0, 100)).as_deref(),
            Some("0e:1a:00:00:be:ef")
        );
        assert_eq!(mac_holding(&ifaces, Ipv4Addr::new(10, 0, 0, 200)), None);
    }

    #[test]
    fn listing_this_machine_finds_loopback() {
        let ifaces = list();
        assert!(
            ifaces.iter().any(|i| i.ipv4.contains(&Ipv4Addr::LOCALHOST)),
            "{ifaces:?}"
        );
    }
}
