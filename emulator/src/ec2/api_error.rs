//! EC2 error responses: the code, message and HTTP status AWS would send.
//!
//! Codes and messages follow real EC2 where known; where AWS's exact text is
//! unknown the code is the real one and the message says plainly what is
//! wrong. The choices are listed in emulator/README.md.

/// An error EC2 answers with, rendered as `<Response><Errors>…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: code.to_string(),
            message: message.into(),
        }
    }

    /// 400, the status of every client error EC2 reports about a request.
    pub fn client(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(400, code, message)
    }

    pub fn invalid_value(message: impl Into<String>) -> ApiError {
        ApiError::client("InvalidParameterValue", message)
    }

    pub fn missing(parameter: &str) -> ApiError {
        ApiError::client(
            "MissingParameter",
            format!("The request must contain the parameter {parameter}"),
        )
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            403,
            "UnauthorizedOperation",
            "You are not authorized to perform this operation.",
        )
    }

    pub fn dry_run() -> ApiError {
        ApiError::new(
            412,
            "DryRunOperation",
            "Request would have succeeded, but DryRun flag is set.",
        )
    }

    pub fn throttled() -> ApiError {
        ApiError::new(503, "RequestLimitExceeded", "Request limit exceeded.")
    }

    pub fn unavailable() -> ApiError {
        ApiError::new(
            503,
            "Unavailable",
            "The service is unavailable. Please try again shortly.",
        )
    }

    pub fn auth_failure(message: impl Into<String>) -> ApiError {
        ApiError::new(401, "AuthFailure", message)
    }

    pub fn internal() -> ApiError {
        ApiError::new(500, "InternalError", "An internal error has occurred.")
    }

    pub fn route_table_not_found(id: &str) -> ApiError {
        ApiError::client(
            "InvalidRouteTableID.NotFound",
            format!("The routeTable ID '{id}' does not exist"),
        )
    }

    pub fn tgw_route_table_not_found(id: &str) -> ApiError {
        ApiError::client(
            "InvalidRouteTableID.NotFound",
            format!("Transit Gateway Route Table {id} was deleted or does not exist."),
        )
    }

    pub fn attachment_not_found(id: &str) -> ApiError {
        ApiError::client(
            "InvalidTransitGatewayAttachmentID.NotFound",
            format!("Transit Gateway Attachment {id} was deleted or does not exist."),
        )
    }
}
