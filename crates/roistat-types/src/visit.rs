//! The visit embedded in a listed order by `extend: ["visit"]`.
//!
//! Its shape follows `/project/site/visit/list`; every field may be null or absent.
//! (The order-info method answers visits of another shape: [`crate::InfoVisit`].)

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::lenient::string_opt;

/// A visit as embedded in the order list.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Visit {
    /// The visit number.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub id: Option<String>,
    /// The client's first visit number.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub first_id: Option<String>,
    /// When the visit happened.
    #[serde(default, with = "crate::date::roistat_option")]
    pub date: Option<OffsetDateTime>,
    /// The page the client came from.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub referrer: Option<String>,
    /// The page the client landed on.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub landing_page: Option<String>,
    /// The site's domain.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub host: Option<String>,
    /// The browser's user agent.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub agent: Option<String>,
    /// The client's IP address (personal data: handle with care).
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub ip: Option<String>,
    /// Google Analytics client id.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub google_client_id: Option<String>,
    /// Yandex Metrika client id.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub metrika_client_id: Option<String>,
    /// Where the visit came from.
    #[serde(default, deserialize_with = "crate::lenient::object_opt::deserialize")]
    pub source: Option<VisitSource>,
    /// Where the client was.
    #[serde(default, deserialize_with = "crate::lenient::object_opt::deserialize")]
    pub geo: Option<Geo>,
    /// The client's device.
    #[serde(default, deserialize_with = "crate::lenient::object_opt::deserialize")]
    pub device: Option<Device>,
}

/// The traffic source of a visit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VisitSource {
    /// The referring page.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub referrer: Option<String>,
    /// Roistat's system name of the channel.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub system_name: Option<String>,
    /// The channel's display name.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub display_name: Option<String>,
    /// The channel's icon.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub icon_url: Option<String>,
    /// `utm_source`.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub utm_source: Option<String>,
    /// `utm_medium`.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub utm_medium: Option<String>,
    /// `utm_campaign`.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub utm_campaign: Option<String>,
    /// `utm_term`.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub utm_term: Option<String>,
    /// `utm_content`.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub utm_content: Option<String>,
    /// The openstat marker.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub openstat: Option<String>,
}

/// The geography of a visit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Geo {
    /// Country name.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub country: Option<String>,
    /// Region name.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub region: Option<String>,
    /// City name.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub city: Option<String>,
    /// Flag icon.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub icon_url: Option<String>,
    /// ISO country code.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub country_iso: Option<String>,
}

/// The device of a visit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Device {
    /// Operating system.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub os: Option<String>,
    /// Its icon.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub os_icon: Option<String>,
    /// Browser.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub agent: Option<String>,
    /// Its icon.
    #[serde(default, deserialize_with = "string_opt::deserialize")]
    pub agent_icon: Option<String>,
}
