//! Decoding of EC2 Query parameters (`Action=…&Filter.1.Name=…&Filter.1.Value.1=…`).
//!
//! The Query protocol flattens lists into numbered keys; this module turns
//! them back into lists and validates scalar types the way EC2 does, so
//! handlers only see typed values.

use std::collections::{BTreeMap, HashMap};

use super::api_error::ApiError;

/// One `Filter.N`: a name and the values any of which may match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Debug, Default, Clone)]
pub struct Params {
    map: HashMap<String, String>,
}

impl Params {
    /// Decodes `application/x-www-form-urlencoded` text; later keys win.
    pub fn parse(encoded: &[u8]) -> Params {
        Params {
            map: form_urlencoded::parse(encoded).into_owned().collect(),
        }
    }

    /// Adds pairs from another source (the query string) without
    /// overriding what the body already set.
    pub fn merge_missing(&mut self, other: Params) {
        for (k, v) in other.map {
            self.map.entry(k).or_insert(v);
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::missing(name))
    }

    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(ApiError::invalid_value(format!(
                "Value ({v}) for parameter {name} is invalid. Expected a boolean."
            ))),
        }
    }

    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        Ok(self.bool(name)?.unwrap_or(false))
    }

    /// An integer parameter constrained to `[min, max]`, as EC2 validates
    /// `MaxResults`.
    pub fn int_in(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        let Some(raw) = self.get(name) else {
            return Ok(None);
        };
        match raw.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(ApiError::invalid_value(format!(
                "Value ( {raw} ) for parameter {name} is invalid. Parameter must be between {min} and {max}."
            ))),
        }
    }

    /// A flattened list `{prefix}.1`, `{prefix}.2`, … in index order.
    pub fn list(&self, prefix: &str) -> Vec<String> {
        let dotted = format!("{prefix}.");
        let mut indexed: BTreeMap<u32, String> = BTreeMap::new();
        for (k, v) in &self.map {
            if let Some(n) = k.strip_prefix(&dotted).and_then(|n| n.parse().ok()) {
                indexed.insert(n, v.clone());
            }
        }
        indexed.into_values().collect()
    }

    /// All `Filter.N` entries in index order.
    pub fn filters(&self) -> Result<Vec<Filter>, ApiError> {
        let mut indices: Vec<u32> = self
            .map
            .keys()
            .filter_map(|k| k.strip_prefix("Filter.")?.split_once('.')?.0.parse().ok())
            .collect();
        indices.sort_unstable();
        indices.dedup();
        indices.into_iter().map(|n| self.filter(n)).collect()
    }

    fn filter(&self, n: u32) -> Result<Filter, ApiError> {
        let name = self
            .get(&format!("Filter.{n}.Name"))
            .ok_or_else(|| ApiError::missing("Filter.Name"))?;
        let values = self.list(&format!("Filter.{n}.Value"));
        if values.is_empty() {
            return Err(ApiError::invalid_value(format!(
                "The filter '{name}' requires at least one value"
            )));
        }
        Ok(Filter {
            name: name.to_string(),
            values,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_lists_and_filters_in_index_order() {
        let p = Params::parse(
            b"Action=X&RouteTableId.2=b&RouteTableId.1=a&RouteTableId.10=c\
              &Filter.2.Name=state&Filter.2.Value.1=available\
              &Filter.1.Name=vpc-id&Filter.1.Value.2=v2&Filter.1.Value.1=v%2D1",
        );
        assert_eq!(p.list("RouteTableId"), ["a", "b", "c"]);
        let filters = p.filters().unwrap();
        assert_eq!(
            filters[0],
            Filter {
                name: "vpc-id".into(),
                values: vec!["v-1".into(), "v2".into()]
            }
        );
        assert_eq!(filters[1].name, "state");
    }

    #[test]
    fn validates_scalars() {
        let p = Params::parse(b"DryRun=yes&MaxResults=3&Ok=TRUE");
        assert!(p.bool("DryRun").is_err());
        assert_eq!(p.bool("Ok").unwrap(), Some(true));
        assert!(p.int_in("MaxResults", 5, 100).is_err());
        assert_eq!(p.int_in("Missing", 5, 100).unwrap(), None);
        assert_eq!(p.required("Nope").unwrap_err().code, "MissingParameter");
    }

    #[test]
    fn a_filter_without_values_is_refused() {
        let p = Params::parse(b"Filter.1.Name=vpc-id");
        assert_eq!(p.filters().unwrap_err().code, "InvalidParameterValue");
    }
}
