//! MaxResults/NextToken paging for Describe actions.
//!
//! Real accounts page long before a test topology would, so besides
//! honouring MaxResults the emulator can force a page size (a knob) to make
//! every client's pagination loop actually run.

use super::api_error::ApiError;
use super::params::Params;

/// Bounds EC2 enforces on an action's MaxResults.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub min: i64,
    pub max: i64,
}

pub const ROUTE_TABLE_LIMITS: Limits = Limits { min: 5, max: 100 };
pub const DEFAULT_LIMITS: Limits = Limits { min: 5, max: 1000 };

/// One page of `items` and the token for the next, if any.
pub fn paginate<T>(
    items: Vec<T>,
    params: &Params,
    action: &str,
    limits: Limits,
    forced_page: Option<usize>,
) -> Result<(Vec<T>, Option<String>), ApiError> {
    let max = params.int_in("MaxResults", limits.min, limits.max)?;
    let start = match params.get("NextToken") {
        Some(token) => decode(token, action, items.len())?,
        None => 0,
    };
    // Without MaxResults a page still holds at most the documented maximum,
    // as on AWS, so a large account pages even for clients that never ask.
    let requested = max
        .or(Some(limits.max))
        .and_then(|m| usize::try_from(m).ok())
        .unwrap_or(usize::MAX);
    let page = forced_page.map_or(requested, |f| requested.min(f.max(1)));
    let end = start.saturating_add(page).min(items.len());
    let next = (end < items.len()).then(|| encode(action, end));
    let page_items = items.into_iter().skip(start).take(end - start).collect();
    Ok((page_items, next))
}

fn encode(action: &str, offset: usize) -> String {
    format!("{:08x}{offset:08x}", checksum(action, offset))
}

/// Tokens are bound to the action and the offset so that a token from
/// another call, or a hand-edited one, is refused as AWS refuses it.
fn decode(token: &str, action: &str, len: usize) -> Result<usize, ApiError> {
    let invalid = || {
        ApiError::invalid_value(format!(
            "Value ( {token} ) for parameter NextToken is invalid. The token is invalid."
        ))
    };
    if token.len() != 16 || !token.is_ascii() {
        return Err(invalid());
    }
    let (sum, offset) = token.split_at(8);
    let sum = u32::from_str_radix(sum, 16).map_err(|_| invalid())?;
    let offset = usize::from_str_radix(offset, 16).map_err(|_| invalid())?;
    if sum != checksum(action, offset) || offset > len {
        return Err(invalid());
    }
    Ok(offset)
}

fn checksum(action: &str, offset: usize) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in action.bytes().chain(offset.to_le_bytes()) {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(query: &str, forced: Option<usize>) -> Result<(Vec<u32>, Option<String>), ApiError> {
        paginate(
            (0..12).collect(),
            &Params::parse(query.as_bytes()),
            "A",
            DEFAULT_LIMITS,
            forced,
        )
    }

    #[test]
    fn without_limits_everything_comes_at_once() {
        assert_eq!(page("", None).unwrap(), ((0..12).collect(), None));
    }

    #[test]
    fn without_max_results_a_page_holds_the_documented_maximum() {
        let (items, next) = paginate(
            (0..250).collect::<Vec<u32>>(),
            &Params::parse(b""),
            "A",
            ROUTE_TABLE_LIMITS,
            None,
        )
        .unwrap();
        assert_eq!(items.len(), 100);
        assert!(next.is_some());
    }

    #[test]
    fn forced_pages_walk_everything_once() {
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let query = token.map(|t| format!("NextToken={t}")).unwrap_or_default();
            let (items, next) = page(&query, Some(5)).unwrap();
            seen.extend(items);
            token = next;
            if token.is_none() {
                break;
            }
        }
        assert_eq!(seen, (0..12).collect::<Vec<_>>());
    }

    #[test]
    fn bad_tokens_and_limits_are_refused() {
        assert!(page("NextToken=garbage", None).is_err());
        assert!(page("NextToken=0000000000000005", None).is_err());
        assert!(page("MaxResults=4", None).is_err());
        let (_, next) = page("MaxResults=5", None).unwrap();
        let token = next.unwrap();
        let other = paginate(
            (0..12).collect::<Vec<u32>>(),
            &Params::parse(format!("NextToken={token}").as_bytes()),
            "B",
            DEFAULT_LIMITS,
            None,
        );
        assert!(other.is_err());
    }
}
