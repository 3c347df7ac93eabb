//! The "started here" record: Pacemaker asks monitor whether the resource
//! runs on this node, and routes cannot answer that (they stay put after a
//! stop), so start leaves a file and stop removes it, as ClusterLabs'
//! agents do under `${HA_RSCTMP}` (a tmpfs: a reboot clears it).

use std::collections::HashMap;
use std::fs;
use std::io::ErrorKind;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// Where the records live when Pacemaker does not say (`HA_RSCTMP`).
pub const DEFAULT_DIR: &str = "/run/resource-agents";

/// The record of the resource instance Pacemaker names in `env`, or why
/// there can be none (OCF_ERR_CONFIGURED).
pub fn path(env: &HashMap<String, String>) -> Result<PathBuf, String> {
    let instance = env
        .get("OCF_RESOURCE_INSTANCE")
        .map(String::as_str)
        .unwrap_or_default();
    valid_instance(instance)?;
    let dir = env
        .get("HA_RSCTMP")
        .filter(|d| !d.is_empty())
        .map_or_else(|| PathBuf::from(DEFAULT_DIR), PathBuf::from);
    Ok(dir.join(format!("tgw_generic_rk-{instance}.started")))
}

/// An instance name is a file name here: never a path.
fn valid_instance(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("OCF_RESOURCE_INSTANCE is not set".into());
    }
    if name.contains(['/', '\0']) || name == "." || name == ".." {
        return Err(format!(
            "OCF_RESOURCE_INSTANCE={name:?} cannot name a state file"
        ));
    }
    Ok(())
}

pub fn exists(record: &Path) -> bool {
    record.exists()
}

/// Writes the record (which VIP was started), whole or not at all.
pub fn write(record: &Path, vip: Ipv4Addr) -> std::io::Result<()> {
    if let Some(dir) = record.parent() {
        fs::create_dir_all(dir)?;
    }
    let mut partial = record.as_os_str().to_owned();
    partial.push(".partial");
    fs::write(&partial, format!("{vip}\n"))?;
    fs::rename(&partial, record)
}

/// Removes the record; one that is already gone is success.
pub fn remove(record: &Path) -> std::io::Result<()> {
    match fs::remove_file(record) {
        Err(e) if e.kind() != ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::map as env;

    #[test]
    fn the_record_is_named_after_the_instance_under_ha_rsctmp() {
        let p = path(&env(&[("OCF_RESOURCE_INSTANCE", "vip-routes:0")])).unwrap();
        assert_eq!(
            p,
            Path::new("/run/resource-agents/tgw_generic_rk-vip-routes:0.started")
        );
        let p = path(&env(&[
            ("OCF_RESOURCE_INSTANCE", "r"),
            ("HA_RSCTMP", "/tmp/x"),
        ]))
        .unwrap();
        assert_eq!(p, Path::new("/tmp/x/tgw_generic_rk-r.started"));
    }

    #[test]
    fn instance_names_that_are_paths_are_refused() {
        for bad in ["", "..", ".", "a/b", "../../etc/passwd"] {
            assert!(
                path(&env(&[("OCF_RESOURCE_INSTANCE", bad)])).is_err(),
                "{bad}"
            );
        }
        assert!(path(&env(&[])).is_err());
    }

    #[test]
    fn write_exists_remove_and_remove_again() {
        let dir = tempfile::tempdir().unwrap();
        let record = dir.path().join("sub/tgw_generic_rk-r.started");
        assert!(!exists(&record));
        write(&record, Ipv4Addr::new(10, 0, 0, 100)).unwrap();
        assert!(exists(&record));
        assert_eq!(fs::read_to_string(&record).unwrap(), "10.0.0.100\n");
        remove(&record).unwrap();
        assert!(!exists(&record));
        remove(&record).unwrap();
    }
}
