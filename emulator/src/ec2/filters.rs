//! EC2 filter semantics: values of one filter are OR-ed, filters are
//! AND-ed, values may use `*` and `?` wildcards, and a filter name the
//! action does not know is an error rather than silently ignored (so a
//! client relying on an unsupported filter fails loudly here, not in AWS).

use super::api_error::ApiError;
use super::params::Filter;

/// Refuses filter names outside `allowed`. An entry `tag:` admits every
/// `tag:<key>` filter.
pub fn check_names(filters: &[Filter], allowed: &[&str]) -> Result<(), ApiError> {
    for f in filters {
        let known = allowed.contains(&f.name.as_str())
            || (f.name.starts_with("tag:") && allowed.contains(&"tag:"));
        if !known {
            return Err(ApiError::invalid_value(format!(
                "The filter '{}' is invalid",
                f.name
            )));
        }
    }
    Ok(())
}

/// True when every filter has a value matching one of the object's values
/// for that filter name, as reported by `fields`.
pub fn matches(filters: &[Filter], fields: impl Fn(&str) -> Vec<String>) -> bool {
    filters.iter().all(|f| {
        let candidates = fields(&f.name);
        f.values
            .iter()
            .any(|pattern| candidates.iter().any(|c| glob(pattern, c)))
    })
}

/// Values of a `tag:<key>` filter for an object carrying only a Name tag.
pub fn name_tag_values(filter_name: &str, name: Option<&str>) -> Vec<String> {
    match (filter_name, name) {
        ("tag:Name", Some(n)) => vec![n.to_string()],
        ("tag-key", Some(_)) => vec!["Name".to_string()],
        _ => Vec::new(),
    }
}

/// Shell-style wildcard match: `*` any run, `?` any one character.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            backtrack = Some((pi, ti));
            pi += 1;
        } else if let Some((star, matched)) = backtrack {
            pi = star + 1;
            ti = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(name: &str, values: &[&str]) -> Filter {
        Filter {
            name: name.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn wildcards() {
        assert!(glob("rtb-*", "rtb-0123"));
        assert!(glob("*", ""));
        assert!(glob("a?c", "abc"));
        assert!(glob("*b*c", "aabxbc"));
        assert!(!glob("a?c", "ac"));
        assert!(!glob("rtb-1", "rtb-12"));
    }

    #[test]
    fn values_or_filters_and() {
        let fields = |name: &str| match name {
            "a" => vec!["1".to_string()],
            "b" => vec!["2".to_string(), "3".to_string()],
            _ => vec![],
        };
        assert!(matches(
            &[filter("a", &["0", "1"]), filter("b", &["3"])],
            fields
        ));
        assert!(!matches(
            &[filter("a", &["1"]), filter("b", &["4"])],
            fields
        ));
        assert!(matches(&[], fields));
    }

    #[test]
    fn unknown_names_are_refused() {
        assert!(check_names(&[filter("vpc-id", &["x"])], &["vpc-id"]).is_ok());
        assert!(check_names(&[filter("tag:Env", &["x"])], &["tag:"]).is_ok());
        let err = check_names(&[filter("owner", &["x"])], &["vpc-id"]).unwrap_err();
        assert_eq!(err.message, "The filter 'owner' is invalid");
    }
}
