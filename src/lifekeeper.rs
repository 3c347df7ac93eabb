//! What LifeKeeper hands us: the resource's Application Information field,
//! read through `ins_list`, and the VIP in it.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::Command;

use crate::catalog::Message;

pub const DEFAULT_LKROOT: &str = "/opt/LifeKeeper";

pub fn lkroot() -> PathBuf {
    std::env::var_os("LKROOT")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_LKROOT))
}

/// The info field of resource `tag`: field 6 of `ins_list -t TAG -f:`.
/// Run directly, never through a shell: the tag is data, not code.
pub fn info_field(tag: &str) -> Result<String, String> {
    let ins_list = lkroot().join("bin").join("ins_list");
    let out = Command::new(&ins_list)
        .args(["-t", tag, "-f:"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", ins_list.display()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "{} failed ({}): {}",
            ins_list.display(),
            out.status,
            stderr.trim()
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let record = stdout.lines().next().unwrap_or("");
    Ok(record.split(':').nth(5).unwrap_or("").to_string())
}

/// The VIP is the first word of the info field; it must be a plain dotted quad.
pub fn parse_vip(info: &str) -> Result<Ipv4Addr, Message> {
    let Some(word) = info.split_whitespace().next() else {
        return Err(Message::NoVipInInfo);
    };
    // std's parser is strict: four decimal octets, each 0-255, no leading
    // zeros, no prefix length, nothing around it.
    word.parse::<Ipv4Addr>().map_err(|_| Message::InvalidVip {
        ip: word.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_word_is_the_vip() {
        assert_eq!(
            parse_vip("10.0.0.100 extra words"),
            Ok(Ipv4Addr::new(10, 0, 0, 100))
        );
        assert_eq!(
            parse_vip("  192.168.1.1\t"),
            Ok(Ipv4Addr::new(192, 168, 1, 1))
        );
    }

    #[test]
    fn an_empty_field_is_127035() {
        assert_eq!(parse_vip("").unwrap_err().code(), 127035);
        assert_eq!(parse_vip("   ").unwrap_err().code(), 127035);
    }

    #[test]
    fn anything_but_a_plain_dotted_quad_is_127036() {
        for bad in [
            "10.0.0.256",
            "10.0.0",
            "10.0.0.1/32",
            "010.0.0.1",
            "10.0.0.01",
            "10.0.0.1x",
            "x10.0.0.1",
            "1.2.3.4.5",
            "::1",
            "vip",
        ] {
            let err = parse_vip(bad).unwrap_err();
            assert_eq!(err.code(), 127036, "{bad}");
            assert!(err.to_string().contains(bad), "{bad}");
        }
    }
}
