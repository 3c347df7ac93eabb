//! Never a partial answer taken for a whole one.
//!
//! The SDK's XML decoder is lenient: a well-framed HTTP 200 whose document
//! stops half-way (a connection cut mid-body, a broken middlebox) decodes as
//! a shorter answer — fewer route tables, no `nextToken` — and restore would
//! act on it and exit 0 with tables left wrong. So every successful answer
//! (every 2xx) is checked once, here, for every call: it must be one complete,
//! well-formed XML document whose root element is `<{Action}Response>`.
//! Anything else becomes a response error, which the SDK retries like a 5xx
//! within the call's budget; if it persists, the call fails with its own
//! catalog code.

use std::fmt;

use aws_sdk_ec2::config::interceptors::FinalizerInterceptorContextMut;
use aws_sdk_ec2::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_ec2::error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::{Metadata, OrchestratorError};
use xmlparser::{ElementEnd, Token, Tokenizer};

/// Turns a successful answer that is not a complete document into an error.
#[derive(Debug, Clone, Copy, Default)]
pub struct CompleteAnswer;

/// An HTTP 200 whose body is not the complete document the action returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MalformedAnswer {
    pub status: u16,
    pub bytes: usize,
    pub problem: String,
}

impl fmt::Display for MalformedAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "HTTP {} with an unusable document ({} bytes): {}",
            self.status, self.bytes, self.problem
        )
    }
}

impl std::error::Error for MalformedAnswer {}

impl Intercept for CompleteAnswer {
    fn name(&self) -> &'static str {
        "CompleteAnswer"
    }

    /// Runs after each attempt's answer was decoded, before the retry
    /// strategy looks at it; an error set here is what it sees. Only 2xx
    /// answers are checked: those are the ones the SDK takes for data (or,
    /// when it cannot decode them at all, for an "Unknown" service error
    /// that would look like a definite refusal). Error statuses are judged
    /// by their status.
    fn modify_before_attempt_completion(
        &self,
        context: &mut FinalizerInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(response) = context.response() else {
            return Ok(());
        };
        if !response.status().is_success() {
            return Ok(());
        }
        // EC2 answers are never streamed: the body is in memory by now.
        let Some(body) = response.body().bytes() else {
            return Ok(());
        };
        // Every generated operation records its name; without one, any root will do.
        let root = cfg
            .load::<Metadata>()
            .map(|m| format!("{}Response", m.name()));
        let Err(problem) = check_document(body, root.as_deref()) else {
            return Ok(());
        };
        let error = MalformedAnswer {
            status: response.status().as_u16(),
            bytes: body.len(),
            problem,
        };
        if let Some(slot) = context.output_or_error_mut() {
            *slot = Err(OrchestratorError::response(Box::new(error)));
        }
        Ok(())
    }
}

/// Checks that `body` is exactly one complete, well-formed XML document
/// whose root element's local name is `root` (any, with `None`); says what
/// is wrong if not.
pub fn check_document(body: &[u8], root: Option<&str>) -> Result<(), String> {
    let expected = root.unwrap_or("a root element");
    let text = std::str::from_utf8(body).map_err(|e| format!("not UTF-8 text ({e})"))?;
    let mut open: Vec<&str> = Vec::new();
    let mut root_done = false;
    for token in Tokenizer::from(text) {
        let token = token.map_err(|e| format!("not well-formed XML ({e})"))?;
        match token {
            Token::ElementStart { local, .. } => {
                if root_done {
                    return Err("content after the root element".into());
                }
                if open.is_empty() && root.is_some_and(|r| r != local.as_str()) {
                    return Err(format!("root element <{local}>, expected <{expected}>"));
                }
                open.push(local.as_str());
            }
            Token::ElementEnd { end, .. } => {
                let closed = match end {
                    ElementEnd::Open => continue,
                    ElementEnd::Empty => open.pop(),
                    ElementEnd::Close(_, local) => match open.pop() {
                        Some(name) if name == local.as_str() => Some(name),
                        other => {
                            let expected = other.unwrap_or("nothing");
                            return Err(format!("</{local}> closes <{expected}>"));
                        }
                    },
                };
                root_done = closed.is_some() && open.is_empty();
            }
            Token::Text { text } if open.is_empty() && !text.as_str().trim().is_empty() => {
                return Err("text outside the root element".into());
            }
            _ => {}
        }
    }
    match (root_done, open.last()) {
        (true, _) => Ok(()),
        (false, Some(inner)) => Err(format!("truncated inside <{inner}>")),
        (false, None) => Err(format!("no <{expected}> element")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: Option<&str> = Some("DescribeRouteTablesResponse");
    const WHOLE: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeRouteTablesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId><routeTableSet><item><routeTableId>rtb-1</routeTableId></item><item><routeTableId>rtb-2</routeTableId><x/></item></routeTableSet></DescribeRouteTablesResponse>\n";

    #[test]
    fn a_complete_document_passes() {
        assert_eq!(check_document(WHOLE.as_bytes(), ROOT), Ok(()));
    }

    #[test]
    fn every_cut_of_a_document_is_refused() {
        let end = WHOLE.trim_end().len();
        for cut in 0..end {
            let part = &WHOLE.as_bytes()[..cut];
            assert!(
                check_document(part, ROOT).is_err(),
                "accepted a cut at {cut}"
            );
        }
    }

    #[test]
    fn the_problem_is_named() {
        let cut = WHOLE.find("<item><routeTableId>rtb-2").unwrap();
        let e = check_document(&WHOLE.as_bytes()[..cut], ROOT).unwrap_err();
        assert_eq!(e, "truncated inside <routeTableSet>");
        let e = check_document(b"<html><body>502 Bad Gateway</body></html>", ROOT).unwrap_err();
        assert!(e.contains("<html>"), "{e}");
        let e = check_document(b"", ROOT).unwrap_err();
        assert!(e.contains("no <DescribeRouteTablesResponse>"), "{e}");
        let e = check_document(b"<DescribeRouteTablesResponse></a>", ROOT).unwrap_err();
        assert!(e.contains("closes"), "{e}");
        let error_doc = b"<Response><Errors><Error><Code>X</Code></Error></Errors></Response>";
        assert!(check_document(error_doc, ROOT).is_err());
        let two = format!("{WHOLE}<DescribeRouteTablesResponse/>");
        assert!(check_document(two.as_bytes(), ROOT).is_err());
        assert!(check_document(&[0xff, 0xfe], ROOT).is_err());
        assert_eq!(check_document(b"<AnyResponse/>", None), Ok(()));
        assert!(check_document(b"<AnyResponse>", None).is_err());
    }
}
