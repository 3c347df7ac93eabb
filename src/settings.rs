//! Parameters from `/etc/default/LifeKeeper`, re-read on every run.
//!
//! The file is authoritative for what it sets; the process environment only
//! fills what it leaves unset. That is what makes a manual run under sudo, or
//! from a root shell with its own proxy variables, behave like LifeKeeper's
//! (field failures came exactly from that difference).

mod defaults_file;

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::log::catalog::Message;

pub const DEFAULT_PATH: &str = "/etc/default/LifeKeeper";

/// Accepted seconds for the three timeouts; larger values are clamped (with
/// a warning) so every deadline derived from them stays finite and sane.
pub const TIMEOUT_SECONDS: RangeInclusive<u64> = 1..=300;
/// Accepted values of `TGW_RK_CONCURRENCY`; larger values are clamped.
pub const CONCURRENCY: RangeInclusive<u64> = 1..=64;

/// Where a value came from, so `doctor` can say why it is what it is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    DefaultsFile,
    Environment,
    BuiltIn,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub path: PathBuf,
    pub connect_timeout: Setting<Duration>,
    pub read_timeout: Setting<Duration>,
    pub imds_timeout: Setting<Duration>,
    pub http_proxy: Option<Setting<String>>,
    pub https_proxy: Option<Setting<String>>,
    pub no_proxy: Option<Setting<String>>,
    /// A PEM bundle of extra certificate authorities for EC2 endpoints
    /// (`AWS_CA_BUNDLE`): LifeKeeper runs scripts with a scrubbed
    /// environment, so the defaults file must be able to name it too.
    pub ca_bundle: Option<Setting<String>>,
    /// Syslog facility name, from `LKSYSLOGSELECTOR`.
    pub syslog_facility: Setting<String>,
    /// Most EC2 calls in flight at once (`TGW_RK_CONCURRENCY`; 1 = sequential).
    pub concurrency: Setting<usize>,
    /// Cross-account runs (`TGW_RK_ASSUME_ROLE_ARN`); `None`: one account.
    pub assume_role: Option<AssumeRole>,
    /// Malformed lines and values, to be logged as warnings.
    pub warnings: Vec<Message>,
}

impl Settings {
    /// Reads the defaults file named by `TGW_RK_DEFAULTS` (else the standard
    /// path) and the process environment. Never fails: a missing file means
    /// built-in values, a bad line is a warning.
    pub fn load() -> Settings {
        let path = std::env::var_os("TGW_RK_DEFAULTS")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_PATH));
        // Variables that are not UTF-8 are none of ours; `vars()` would panic on them.
        let env: HashMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let file = defaults_file::read(&path, &env);
        let shown = path.display().to_string();
        let warnings = file
            .problems
            .into_iter()
            .map(|reason| Message::DefaultsFileLine {
                path: shown.clone(),
                reason,
            })
            .collect();
        Settings::resolve(path, &file.values, &env, warnings)
    }

    /// Resolves every parameter from already-read sources; pure, for tests.
    pub fn resolve(
        path: PathBuf,
        file: &HashMap<String, String>,
        env: &HashMap<String, String>,
        mut warnings: Vec<Message>,
    ) -> Settings {
        let shown = path.display().to_string();
        let mut lookup = Lookup {
            file,
            env,
            path: &shown,
            warnings: &mut warnings,
        };
        let connect_timeout = lookup.seconds("AWSCLI_CONNECT_TIMEOUT", 10);
        let read_timeout = lookup.seconds("AWSCLI_READ_TIMEOUT", 5);
        let imds_timeout = lookup.seconds("LK_CURL_TIMEOUT", 5);
        let concurrency = lookup.number("TGW_RK_CONCURRENCY", 16, CONCURRENCY);
        let concurrency = Setting {
            value: usize::try_from(concurrency.value).unwrap_or(16),
            source: concurrency.source,
        };
        let http_proxy = lookup.either("HTTP_PROXY", "http_proxy");
        let https_proxy = lookup.either("HTTPS_PROXY", "https_proxy");
        let no_proxy = lookup.either("NO_PROXY", "no_proxy");
        let ca_bundle = lookup
            .string("AWS_CA_BUNDLE")
            .filter(|s| !s.value.trim().is_empty());
        let assume_role = lookup.assume_role();
        let syslog_facility = lookup.string("LKSYSLOGSELECTOR").map_or(
            Setting {
                value: "local6".into(),
                source: Source::BuiltIn,
            },
            // A selector may carry a priority ("local6.info"); the facility is what we need.
            |s| Setting {
                value: s.value.split('.').next().unwrap_or("local6").to_string(),
                source: s.source,
            },
        );
        Settings {
            path,
            connect_timeout,
            read_timeout,
            imds_timeout,
            http_proxy,
            https_proxy,
            no_proxy,
            ca_bundle,
            syslog_facility,
            concurrency,
            assume_role,
            warnings,
        }
    }

    /// How long a remote region may stay silent before its work is skipped:
    /// one connect plus two reads, so one retried call fits.
    pub fn remote_deadline(&self) -> Duration {
        let reads = self.read_timeout.value.saturating_mul(2);
        self.connect_timeout.value.saturating_add(reads)
    }
}

/// The role this run assumes in every other account it must act in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRole {
    /// `arn:<partition>:iam::{account}:role/<name>`, as configured.
    pub template: Setting<String>,
    /// `TGW_RK_ASSUME_ROLE_EXTERNAL_ID`, when the roles' trust requires one.
    pub external_id: Option<Setting<String>>,
}

impl AssumeRole {
    /// The role ARN in `account`; an error saying what is wrong with a
    /// template that is not a role ARN with `{account}` in the account field.
    pub fn role_arn(&self, account: &str) -> Result<String, String> {
        check_template(&self.template.value)?;
        Ok(self.template.value.trim().replace("{account}", account))
    }
}

/// `arn:<partition>:iam::{account}:role/<path/name>`; the partition stays
/// the user's, so aws-cn and aws-us-gov work alike.
pub fn check_template(template: &str) -> Result<(), String> {
    let parts: Vec<&str> = template.trim().splitn(6, ':').collect();
    let wrong = |why: &str| {
        Err(format!(
            "TGW_RK_ASSUME_ROLE_ARN={template:?} {why}; expected a role ARN template such as \
             arn:aws:iam::{{account}}:role/LifeKeeperTgwRoutes"
        ))
    };
    match parts[..] {
        ["arn", partition, "iam", "", "{account}", role]
            if !partition.is_empty() && role.len() > 5 && role.starts_with("role/") =>
        {
            if role.contains('{') {
                return wrong("has a placeholder other than {account}");
            }
            Ok(())
        }
        ["arn", _, "iam", "", account, _] if account != "{account}" => {
            wrong("does not put {account} in the account field")
        }
        _ => wrong("is not an IAM role ARN"),
    }
}

struct Lookup<'a> {
    file: &'a HashMap<String, String>,
    env: &'a HashMap<String, String>,
    path: &'a str,
    warnings: &'a mut Vec<Message>,
}

impl Lookup<'_> {
    fn string(&self, key: &str) -> Option<Setting<String>> {
        if let Some(v) = self.file.get(key) {
            return Some(Setting {
                value: v.clone(),
                source: Source::DefaultsFile,
            });
        }
        self.env.get(key).map(|v| Setting {
            value: v.clone(),
            source: Source::Environment,
        })
    }

    /// Proxy variables come in two spellings; the upper-case one wins within a source.
    fn either(&self, upper: &str, lower: &str) -> Option<Setting<String>> {
        let from =
            |map: &HashMap<String, String>| map.get(upper).or_else(|| map.get(lower)).cloned();
        let found = from(self.file)
            .map(|value| Setting {
                value,
                source: Source::DefaultsFile,
            })
            .or_else(|| {
                from(self.env).map(|value| Setting {
                    value,
                    source: Source::Environment,
                })
            });
        found.filter(|s| !s.value.trim().is_empty())
    }

    /// A whole number in `range`: below it (or not a number) is refused
    /// for `default`, above it is clamped to the maximum; both warn.
    fn number(&mut self, key: &str, default: u64, range: RangeInclusive<u64>) -> Setting<u64> {
        let Some(s) = self.string(key) else {
            return Setting {
                value: default,
                source: Source::BuiltIn,
            };
        };
        let (min, max) = (*range.start(), *range.end());
        let above = match s.value.trim().parse::<u64>() {
            Ok(n) if range.contains(&n) => {
                return Setting {
                    value: n,
                    source: s.source,
                };
            }
            Ok(n) => n > max,
            // Too large even for u64 is above the maximum too.
            Err(e) => *e.kind() == std::num::IntErrorKind::PosOverflow,
        };
        if above {
            self.warn(format!(
                "{key} is above the accepted maximum; using {max} (accepted: {min}-{max})"
            ));
            return Setting {
                value: max,
                source: s.source,
            };
        }
        self.warn(format!(
            "{key}={:?} is not a whole number from {min} to {max}; using {default}",
            s.value
        ));
        Setting {
            value: default,
            source: Source::BuiltIn,
        }
    }

    fn seconds(&mut self, key: &str, default: u64) -> Setting<Duration> {
        let n = self.number(key, default, TIMEOUT_SECONDS);
        Setting {
            value: Duration::from_secs(n.value),
            source: n.source,
        }
    }

    /// The role template and its external id; a template that is not
    /// usable is kept (each account it is needed for fails, naming why) and
    /// warned about now, so the operator sees it before a switchover.
    fn assume_role(&mut self) -> Option<AssumeRole> {
        let template = self
            .string("TGW_RK_ASSUME_ROLE_ARN")
            .filter(|s| !s.value.trim().is_empty())?;
        if let Err(why) = check_template(&template.value) {
            self.warn(why);
        }
        let external_id = self
            .string("TGW_RK_ASSUME_ROLE_EXTERNAL_ID")
            .filter(|s| !s.value.trim().is_empty());
        Some(AssumeRole {
            template,
            external_id,
        })
    }

    fn warn(&mut self, reason: String) {
        self.warnings.push(Message::DefaultsFileLine {
            path: self.path.to_string(),
            reason,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::Path;

    use crate::test_support::map;

    #[test]
    fn the_file_wins_and_the_environment_fills_the_gaps() {
        let file = map(&[
            ("AWSCLI_READ_TIMEOUT", "7"),
            ("HTTPS_PROXY", "http://file:3128"),
        ]);
        let env = map(&[
            ("AWSCLI_READ_TIMEOUT", "99"),
            ("AWSCLI_CONNECT_TIMEOUT", "3"),
            ("https_proxy", "http://env:3128"),
            ("NO_PROXY", ".internal"),
        ]);
        let s = Settings::resolve("f".into(), &file, &env, vec![]);
        assert_eq!(s.read_timeout.value, Duration::from_secs(7));
        assert_eq!(s.read_timeout.source, Source::DefaultsFile);
        assert_eq!(s.connect_timeout.value, Duration::from_secs(3));
        assert_eq!(s.connect_timeout.source, Source::Environment);
        assert_eq!(s.imds_timeout.source, Source::BuiltIn);
        assert_eq!(s.https_proxy.as_ref().unwrap().value, "http://file:3128");
        assert_eq!(s.no_proxy.as_ref().unwrap().source, Source::Environment);
        assert_eq!(s.remote_deadline(), Duration::from_secs(3 + 14));
    }

    #[test]
    fn bad_numbers_warn_and_fall_back() {
        let file = map(&[("LK_CURL_TIMEOUT", "soon"), ("TGW_RK_CONCURRENCY", "0")]);
        let s = Settings::resolve("f".into(), &file, &HashMap::new(), vec![]);
        assert_eq!(s.imds_timeout.value, Duration::from_secs(5));
        assert_eq!(s.concurrency.value, 16);
        assert_eq!(s.warnings.len(), 2);
        assert!(s.warnings.iter().all(|w| w.code() == 127104));
    }

    #[test]
    fn selector_priority_is_dropped() {
        let file = map(&[("LKSYSLOGSELECTOR", "local3.info")]);
        let s = Settings::resolve("f".into(), &file, &HashMap::new(), vec![]);
        assert_eq!(s.syslog_facility.value, "local3");
    }

    #[test]
    fn shell_style_file_is_read_and_bad_lines_only_warn() {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        writeln!(
            f,
            "# LifeKeeper defaults\nexport AWSCLI_CONNECT_TIMEOUT=4\nLK_CURL_TIMEOUT='2' # short\nHTTPS_PROXY=\"http://p:8080\"\nthis is not an assignment\nAWSCLI_READ_TIMEOUT=6"
        )
        .unwrap();
        let file = defaults_file::read(f.path(), &HashMap::new());
        assert_eq!(file.values["AWSCLI_CONNECT_TIMEOUT"], "4");
        assert_eq!(file.values["LK_CURL_TIMEOUT"], "2");
        assert_eq!(file.values["HTTPS_PROXY"], "http://p:8080");
        assert_eq!(file.values["AWSCLI_READ_TIMEOUT"], "6");
        assert_eq!(file.problems, ["line 5: not a KEY=value assignment"]);
    }

    #[test]
    fn a_missing_file_is_not_an_error() {
        let file = defaults_file::read(Path::new("/nonexistent/LifeKeeper"), &HashMap::new());
        assert!(file.values.is_empty() && file.problems.is_empty());
    }

    #[test]
    fn absurd_values_are_clamped_and_deadlines_never_overflow() {
        let file = map(&[
            ("AWSCLI_READ_TIMEOUT", "99999999999"),
            ("AWSCLI_CONNECT_TIMEOUT", "18446744073709551615"),
            ("LK_CURL_TIMEOUT", "99999999999999999999999"),
            ("TGW_RK_CONCURRENCY", "18446744073709551615"),
        ]);
        let s = Settings::resolve("f".into(), &file, &HashMap::new(), vec![]);
        let max = Duration::from_secs(*TIMEOUT_SECONDS.end());
        assert_eq!(s.read_timeout.value, max);
        assert_eq!(s.connect_timeout.value, max);
        assert_eq!(s.imds_timeout.value, max);
        assert_eq!(s.concurrency.value as u64, *CONCURRENCY.end());
        assert_eq!(s.read_timeout.source, Source::DefaultsFile);
        assert_eq!(s.warnings.len(), 4, "{:?}", s.warnings);
        assert!(
            s.warnings[0]
                .to_string()
                .contains("above the accepted maximum")
        );
        assert_eq!(s.remote_deadline(), max * 3);
        let mut huge = s.clone();
        huge.read_timeout.value = Duration::MAX;
        assert_eq!(huge.remote_deadline(), Duration::MAX);
    }

    #[test]
    fn role_templates_keep_their_partition_and_refuse_what_is_not_one() {
        let file = map(&[
            (
                "TGW_RK_ASSUME_ROLE_ARN",
                "arn:aws-cn:iam::{account}:role/ops/Tgw",
            ),
            ("TGW_RK_ASSUME_ROLE_EXTERNAL_ID", "ext-1"),
        ]);
        let s = Settings::resolve("f".into(), &file, &HashMap::new(), vec![]);
        let role = s.assume_role.unwrap();
        assert_eq!(
            role.role_arn("123456789012").unwrap(),
            "arn:aws-cn:iam::123456789012:role/ops/Tgw"
        );
        assert_eq!(role.external_id.unwrap().value, "ext-1");
        assert!(s.warnings.is_empty());
        for bad in [
            "arn:aws:iam::123456789012:role/Tgw",
            "arn:aws:sts::{account}:role/Tgw",
            "LifeKeeperTgwRoutes",
            "arn:aws:iam::{account}:user/x",
            "arn:aws:iam::{account}:role/{name}",
        ] {
            assert!(check_template(bad).is_err(), "{bad}");
        }
        let file = map(&[("TGW_RK_ASSUME_ROLE_ARN", "arn:aws:iam::1:role/x")]);
        let s = Settings::resolve("f".into(), &file, &HashMap::new(), vec![]);
        assert!(s.assume_role.is_some(), "kept, to fail per account");
        assert_eq!(s.warnings.len(), 1);
        assert!(
            s.warnings[0].to_string().contains("{account}"),
            "{:?}",
            s.warnings
        );
        let none = Settings::resolve("f".into(), &HashMap::new(), &HashMap::new(), vec![]);
        assert_eq!(none.assume_role, None);
    }

    #[test]
    fn values_inside_the_ranges_are_kept() {
        let file = map(&[("AWSCLI_READ_TIMEOUT", "300"), ("TGW_RK_CONCURRENCY", "1")]);
        let s = Settings::resolve("f".into(), &file, &HashMap::new(), vec![]);
        assert_eq!(s.read_timeout.value, Duration::from_secs(300));
        assert_eq!(s.concurrency.value, 1);
        assert!(s.warnings.is_empty());
    }
}
