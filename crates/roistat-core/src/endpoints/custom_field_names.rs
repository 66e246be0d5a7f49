//! `POST /project/analytics/order-custom-fields`: custom field names of the deals.

use http::Method;

use crate::endpoint::{Endpoint, Path};
use crate::error::Error;
use crate::ratelimit::RateClass;
use crate::retry::RetrySafety;

/// The names of the deals' custom fields in the CRM.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CustomFieldNames {
    _private: (),
}

impl CustomFieldNames {
    /// The request (it has no parameters).
    pub fn new() -> Self {
        Self::default()
    }
}

impl Endpoint for CustomFieldNames {
    type Output = roistat_types::CustomFieldNames;

    fn name(&self) -> &'static str {
        "custom_field_names"
    }

    fn method(&self) -> Method {
        Method::POST
    }

    fn path(&self) -> Path {
        Path::new("project/analytics/order-custom-fields")
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
