//! Which local network interface holds the VIP, read from the kernel.
//!
//! IMDS knows every ENI of the instance but not which one LifeKeeper's IP
//! resource put the VIP on; only the OS does.

use std::net::Ipv4Addr;

use nix::ifaddrs::getifaddrs;

/// One network interface (a link) with its MAC and every IPv4 address on
/// it, labelled aliases (`eth0:1`) included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub name: String,
    pub mac: Option<String>,
    pub ipv4: Vec<Ipv4Addr>,
}

/// One entry as `getifaddrs` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    Link { name: String, mac: [u8; 6] },
    Ipv4 { name: String, ip: Ipv4Addr },
    Other { name: String },
}

/// Every interface with its MAC and IPv4 addresses; empty when the kernel
/// will not tell (the caller then falls back to the primary interface).
pub fn list() -> Vec<Interface> {
    let Ok(addrs) = getifaddrs() else {
        return Vec::new();
    };
    let entries = addrs.map(|a| {
        let name = a.interface_name;
        let Some(addr) = a.address else {
            return Entry::Other { name };
        };
        if let Some(sin) = addr.as_sockaddr_in() {
            Entry::Ipv4 { name, ip: sin.ip() }
        } else if let Some(mac) = addr.as_link_addr().and_then(|l| l.addr()) {
            Entry::Link { name, mac }
        } else {
            Entry::Other { name }
        }
    });
    merge(entries)
}

/// The link an entry belongs to. An address added with a label
/// (`ip addr add … label eth0:1`, or the older `ifconfig eth0:1`) is reported
/// under the label, while the MAC is reported under the link `eth0`. A Linux
/// interface name cannot contain ':', so the part before it is the link.
fn link_name(name: &str) -> &str {
    name.split_once(':').map_or(name, |(link, _)| link)
}

/// Groups `getifaddrs` entries by link, so a labelled alias's addresses sit
/// with the MAC of the interface that really carries them.
pub fn merge(entries: impl IntoIterator<Item = Entry>) -> Vec<Interface> {
    let mut out: Vec<Interface> = Vec::new();
    for entry in entries {
        let name = match &entry {
            Entry::Link { name, .. } | Entry::Ipv4 { name, .. } | Entry::Other { name } => {
                link_name(name)
            }
        };
        let idx = match out.iter().position(|i| i.name == name) {
            Some(i) => i,
            None => {
                out.push(Interface {
                    name: name.to_string(),
                    mac: None,
                    ipv4: Vec::new(),
                });
                out.len().saturating_sub(1)
            }
        };
        let Some(interface) = out.get_mut(idx) else {
            continue;
        };
        match entry {
            Entry::Link { mac, .. } => interface.mac = Some(format_mac(mac)),
            Entry::Ipv4 { ip, .. } => interface.ipv4.push(ip),
            Entry::Other { .. } => {}
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
    fn a_labelled_alias_takes_the_mac_of_its_link() {
        let mac = [0x0e, 0x10, 0, 0, 0, 0x11];
        // Order as getifaddrs gives it: links first, then addresses.
        let entries = [
            Entry::Link {
                name: "lo".into(),
                mac: [0; 6],
            },
            Entry::Link {
                name: "eth0".into(),
                mac: [0x0e, 0x10, 0, 0, 0, 1],
            },
            Entry::Link {
                name: "eth1".into(),
                mac,
            },
            Entry::Ipv4 {
                name: "lo".into(),
                ip: Ipv4Addr::LOCALHOST,
            },
            Entry::Ipv4 {
                name: "eth0".into(),
                ip: Ipv4Addr::new(10, 1, 1, 10),
            },
            Entry::Ipv4 {
                name: "eth1".into(),
                ip: Ipv4Addr::new(10, 1, 1, 11),
            },
            Entry::Ipv4 {
                name: "eth1:1".into(),
                ip: Ipv4Addr::new(10, 0, 0, 100),
            },
            Entry::Other {
                name: "eth1:1".into(),
            },
        ];
        let ifaces = merge(entries);
        assert_eq!(ifaces.len(), 3, "{ifaces:?}");
        let vip = Ipv4Addr::new(10, 0, 0, 100);
        assert_eq!(holding(&ifaces, vip).map(|i| i.name.as_str()), Some("eth1"));
        assert_eq!(
            mac_holding(&ifaces, vip).as_deref(),
            Some("0e:10:00:00:00:11")
        );
        // The alias may even come before its link.
        let early = merge([
            Entry::Ipv4 {
                name: "eth0:vip".into(),
                ip: vip,
            },
            Entry::Link {
                name: "eth0".into(),
                mac,
            },
        ]);
        assert_eq!(
            mac_holding(&early, vip).as_deref(),
            Some("0e:10:00:00:00:11")
        );
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
