//! `POST /project/integration/status/list`: the status dictionary.

use http::Method;
use roistat_types::StatusList;

use crate::endpoint::{Endpoint, Path};
use crate::error::Error;
use crate::ratelimit::RateClass;
use crate::retry::RetrySafety;

/// The project's deal statuses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListStatuses {
    _private: (),
}

impl ListStatuses {
    /// The request (it has no parameters).
    pub fn new() -> Self {
        Self::default()
    }
}

impl Endpoint for ListStatuses {
    type Output = StatusList;

    fn name(&self) -> &'static str {
        "list_statuses"
    }

    fn method(&self) -> Method {
        Method::POST
    }

    fn path(&self) -> Path {
        Path::new("project/integration/status/list")
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        Ok(None)
    }

    fn retry_safety(&self) -> RetrySafety {
        RetrySafety::Idempotent
    }

    fn rate_class(&self) -> RateClass {
        RateClass::Other
    }
}
