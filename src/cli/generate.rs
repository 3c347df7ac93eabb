//! The man page and shell completions, generated from the same clap
//! definitions that parse the command line, so they can never drift.

use std::fs;
use std::path::Path;

use clap::CommandFactory;

use crate::cli::{Artifact, Cli};

const NAME: &str = "tgw_generic_rk";

/// Writes the requested artifact.
pub fn write(artifact: &Artifact) -> std::io::Result<()> {
    match artifact {
        Artifact::Man { dir } => man(dir),
        Artifact::Completions { shell, dir } => {
            clap_complete::generate_to(*shell, &mut Cli::command(), NAME, dir).map(drop)
        }
    }
}

/// The main page, and one page per subcommand it lists (SUBCOMMANDS refers
/// to `tgw_generic_rk-restore(1)` and its siblings, so they ship too).
fn man(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        clap_mangen::Man::new(sub.clone()).generate_to(dir)?;
    }
    fs::write(dir.join(format!("{NAME}.1")), main_page(cmd)?)
}

/// clap_mangen's sections, then what a sysadmin looks for that clap cannot
/// know: exit statuses per door, environment, files, examples.
fn main_page(cmd: clap::Command) -> std::io::Result<Vec<u8>> {
    let man = clap_mangen::Man::new(cmd);
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    man.render_subcommands_section(&mut page)?;
    page.extend_from_slice(SECTIONS.as_bytes());
    man.render_version_section(&mut page)?;
    Ok(page)
}

/// EXIT STATUS, ENVIRONMENT, FILES and EXAMPLES, in roff.
const SECTIONS: &str = r#".SH "EXIT STATUS"
.SS "LifeKeeper actions (restore, recover, quickCheck, remove)"
.TP
0
Success. quickCheck also exits 0 when AWS or the metadata service cannot be observed: an unwell API is never a reason to fail over.
.TP
1
restore, recover: a route write failed, or a definite answer forbids success (no VIP route in the local VPC, AccessDenied). quickCheck: a VIP route was seen pointing away from this node. remove never fails.
.TP
128+N
Stopped by signal N (143 for SIGTERM) after logging what had been done (127114).
.SS "Operator commands (status, plan, doctor)"
.TP
0
status: every VIP route is OK. plan: restore would succeed. doctor: no check FAILed.
.TP
1
Otherwise.
.TP
2
Usage error.
.SS "OCF agent (ocf ACTION, for Pacemaker)"
.TP
0
Success (monitor: started here and no route seen wrong).
.TP
1
OCF_ERR_GENERIC: start could not converge, or monitor saw a route pointing elsewhere; Pacemaker recovers the resource.
.TP
2
OCF_ERR_ARGS: no action given.
.TP
3
OCF_ERR_UNIMPLEMENTED: an action other than start, stop, monitor, meta-data, validate-all.
.TP
6
OCF_ERR_CONFIGURED: the ip parameter is missing or malformed, or the instance name cannot name a file; Pacemaker stops the resource everywhere.
.TP
7
OCF_NOT_RUNNING: not started on this node.
.TP
190
OCF_DEGRADED: AWS could not be fully observed, only with unobservable_is_degraded=true.
.SH ENVIRONMENT
.TP
BTGW_RK_DEFAULTSR
The defaults file to read instead of /etc/default/LifeKeeper (LifeKeeper and operator commands).
.TP
BAWSCLI_CONNECT_TIMEOUTR, BAWSCLI_READ_TIMEOUTR, BLK_CURL_TIMEOUTR, BTGW_RK_CONCURRENCYR, BLKSYSLOGSELECTORR
Parameters; the defaults file (or, for the OCF agent, the resource's parameters) wins over the environment.
.TP
BHTTPS_PROXYR, BHTTP_PROXYR, BNO_PROXYR (and lower case)
Proxy for the EC2 endpoints; instance metadata never uses one.
.TP
BTGW_RK_ASSUME_ROLE_ARNR, BTGW_RK_ASSUME_ROLE_EXTERNAL_IDR
Landing zones: the role (a template, arn:aws:iam::{account}:role/NAME) assumed in every other account owning a route table on the VIP's path, and the external id its trust requires; unset, every table is in the node's account.
.TP
BAWS_ENDPOINT_URLR, BAWS_CA_BUNDLER, BAWS_EC2_METADATA_SERVICE_ENDPOINTR, BAWS_ACCESS_KEY_IDR, ...
The AWS SDK's usual variables; credentials normally come from the instance profile.
.TP
BLKROOTR
LifeKeeper's installation (default /opt/LifeKeeper), where bin/ins_list reads a resource's info field.
.TP
BOCF_RESKEY_ipR and the other BOCF_RESKEY_RIparameterR
The OCF agent's parameters (tgw_generic_rk ocf meta-data lists them); /etc/default/LifeKeeper is not read in this mode.
.TP
BOCF_RESOURCE_INSTANCER, BHA_RSCTMPR, BOCF_RESKEY_CRM_meta_timeoutR
Set by Pacemaker: the record's name and directory, and the operation timeout (ms) every run ends 2 s before.
.SH FILES
.TP
/etc/default/LifeKeeper
Parameters, re-read on every run (KEY=value lines).
.TP
/opt/tgw_generic_rk/bin/tgw_generic_rk, /opt/tgw_generic_rk/actions/
The binary and LifeKeeper's action scripts.
.TP
/usr/lib/ocf/resource.d/tgw_generic_rk/tgw-vip
The OCF resource agent (ocf:tgw_generic_rk:tgw-vip).
.TP
${HA_RSCTMP:-/run/resource-agents}/tgw_generic_rk-IINSTANCER.started
The OCF agent's "started here" record.
.TP
/opt/tgw_generic_rk/share/iam/, /opt/tgw_generic_rk/share/cloudformation/
The IAM policy the instance role needs; for several AWS accounts, the role's trust policies and a CloudFormation template (StackSet) creating it.
.SH EXAMPLES
.TP
tgw_generic_rk doctor \-\-ip 10.0.0.100
Can this node take over the VIP?
.TP
tgw_generic_rk plan \-\-ip 10.0.0.100
What restore would replace, replacing nothing.
.TP
tgw_generic_rk restore \-\-ip 10.0.0.100
Point every VIP route at this node by hand.
.TP
pcs resource create vip-routes ocf:tgw_generic_rk:tgw-vip ip=10.0.0.100 \-\-group vip
The same engine under Pacemaker, after an IPaddr2 resource in group vip.
.TP
OCF_RESKEY_ip=10.0.0.100 OCF_RESOURCE_INSTANCE=t tgw_generic_rk ocf validate-all
Check the agent's parameters without a cluster.
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use clap_complete::Shell;

    #[test]
    fn man_page_and_completions_name_every_action() {
        let dir = tempfile::tempdir().unwrap();
        write(&Artifact::Man {
            dir: dir.path().into(),
        })
        .unwrap();
        let page = fs::read_to_string(dir.path().join("tgw_generic_rk.1")).unwrap();
        for action in ["restore", "remove", "quickCheck", "recover", "ocf"] {
            assert!(page.contains(action), "man page lacks {action}");
        }
        for section in ["EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"] {
            assert!(
                page.contains(&format!(".SH {section}"))
                    || page.contains(&format!(".SH \"{section}\"")),
                "no {section}"
            );
        }
        // Every page the main page refers to is written beside it.
        for word in page.split(|c: char| c.is_whitespace() || c == '\\') {
            if let Some(name) = word
                .strip_prefix("tgw_generic_rk-")
                .and_then(|w| w.strip_suffix("(1)"))
            {
                let file = dir.path().join(format!("tgw_generic_rk-{name}.1"));
                assert!(
                    file.exists(),
                    "{} is referred to but not written",
                    file.display()
                );
            }
        }
        assert!(dir.path().join("tgw_generic_rk-ocf.1").exists());
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let out = dir.path().join(shell.to_string());
            fs::create_dir_all(&out).unwrap();
            let artifact = Artifact::Completions {
                shell,
                dir: out.clone(),
            };
            write(&artifact).unwrap();
            let file = fs::read_dir(&out).unwrap().next().unwrap().unwrap().path();
            assert!(fs::read_to_string(file).unwrap().contains("quickCheck"));
        }
    }
}
