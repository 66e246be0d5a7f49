//! `POST /project/set-statuses`: replace the status dictionary, and the merge helper
//! that makes adding statuses safe.

use std::collections::{HashMap, HashSet};

use http::Method;
use roistat_types::{Status, StatusList, Success};

use super::json_body;
use crate::endpoint::{Endpoint, Path};
use crate::error::Error;
use crate::ratelimit::RateClass;
use crate::retry::RetrySafety;

/// Replaces the project's **whole** status dictionary: statuses missing from the list
/// are deleted. To add or rename statuses, read the current list, [`merge_statuses`],
/// and send the result (the clients' `upsert_statuses` does exactly that).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetStatuses {
    statuses: Vec<Status>,
}

impl SetStatuses {
    /// Validates each status (non-empty id, one of the four types) and refuses
    /// duplicate ids and an empty list (which would delete every status).
    pub fn new(statuses: Vec<Status>) -> Result<Self, Error> {
        if statuses.is_empty() {
            return Err(Error::invalid_request(
                "refusing to send an empty status list: set-statuses would delete every status",
            ));
        }
        let mut ids = HashSet::new();
        for (i, status) in statuses.iter().enumerate() {
            status.validate().map_err(|e| {
                Error::invalid_request(format!("status #{i} (id `{}`): {e}", status.id))
            })?;
            if !ids.insert(status.id.as_str()) {
                return Err(Error::invalid_request(format!(
                    "status id `{}` appears more than once",
                    status.id
                )));
            }
        }
        Ok(Self { statuses })
    }

    /// The statuses to send.
    pub fn statuses(&self) -> &[Status] {
        &self.statuses
    }

    /// The statuses to send, by value.
    pub fn into_statuses(self) -> Vec<Status> {
        self.statuses
    }

    /// The request that adds or renames `new` and keeps every other status of
    /// `current` (the dictionary as just read): see [`merge_statuses`].
    ///
    /// Refuses a read that holds fewer statuses than its `total`: sending a list
    /// merged from a partial read would delete the statuses it missed.
    ///
    /// ```
    /// use roistat_core::endpoints::SetStatuses;
    /// use roistat_core::types::{Status, StatusId, StatusList, StatusType};
    ///
    /// let won = Status::new(StatusId::new("won")?, "Won", StatusType::Paid);
    /// let partial: StatusList = serde_json::from_str(
    ///     r#"{"data":[{"id":"1","name":"New","type":"progress"}],"total":2}"#)?;
    /// assert!(SetStatuses::upsert(&partial, &[won.clone()]).is_err());
    /// let full: StatusList = serde_json::from_str(
    ///     r#"{"data":[{"id":"1","name":"New","type":"progress"}],"total":1}"#)?;
    /// assert_eq!(SetStatuses::upsert(&full, &[won])?.statuses().len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn upsert(current: &StatusList, new: &[Status]) -> Result<Self, Error> {
        if (current.data.len() as u64) < current.total {
            return Err(Error::invalid_request(format!(
                "the status dictionary read back {} of {} statuses: not replacing it, \
                 which would delete the ones missing",
                current.data.len(),
                current.total
            )));
        }
        Self::new(merge_statuses(&current.data, new))
    }
}

impl Endpoint for SetStatuses {
    type Output = Success;

    fn name(&self) -> &'static str {
        "set_statuses"
    }

    fn method(&self) -> Method {
        Method::POST
    }

    fn path(&self) -> Path {
        Path::new("project/set-statuses")
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(&self.statuses)
    }

    /// Sending the same full dictionary twice leaves the same dictionary.
    fn retry_safety(&self) -> RetrySafety {
        RetrySafety::Idempotent
    }

    fn rate_class(&self) -> RateClass {
        RateClass::Other
    }
}

/// The dictionary after upserting `new` into `current`: every current status is kept in
/// its place (renamed or retyped if `new` has its id), then the statuses of `new` with
/// unknown ids are appended in their order. If `new` repeats an id, the last one wins.
///
/// ```
/// use roistat_core::endpoints::merge_statuses;
/// use roistat_core::types::{Status, StatusId, StatusType};
///
/// let s = |id: &str, name: &str, t| Status::new(StatusId::new(id).unwrap(), name, t);
/// let current = [s("1", "New", StatusType::Progress), s("2", "Won", StatusType::Paid)];
/// let new = [s("3", "Lost", StatusType::Canceled), s("1", "Fresh", StatusType::Progress)];
/// let merged = merge_statuses(&current, &new);
/// let names: Vec<_> = merged.iter().map(|s| s.name.as_str()).collect();
/// assert_eq!(names, ["Fresh", "Won", "Lost"]);
/// ```
pub fn merge_statuses(current: &[Status], new: &[Status]) -> Vec<Status> {
    let latest: HashMap<&str, &Status> = new.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut out = Vec::with_capacity(current.len() + new.len());
    let mut placed: HashSet<&str> = HashSet::new();
    for status in current {
        let id = status.id.as_str();
        if !placed.insert(id) {
            continue; // A duplicate in the server's list: keep the first.
        }
        out.push(latest.get(id).map_or(status, |s| *s).clone());
    }
    for status in new {
        let id = status.id.as_str();
        if placed.insert(id) {
            out.push(latest.get(id).map_or(status, |s| *s).clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use roistat_types::{StatusId, StatusType};

    fn s(id: &str, name: &str, t: StatusType) -> Status {
        Status::new(StatusId::new(id).unwrap(), name, t)
    }

    #[test]
    fn merge_keeps_renames_appends() {
        let current = vec![
            s("1", "New", StatusType::Progress),
            s("2", "Won", StatusType::Paid),
            s("3", "Lost", StatusType::Canceled),
        ];
        let new = vec![
            s("4", "Spam", StatusType::Canceled),
            s("2", "Won!", StatusType::Paid),
            s("5", "Archived", StatusType::Unused),
            s("4", "Junk", StatusType::Canceled),
        ];
        let merged = merge_statuses(&current, &new);
        assert_eq!(
            merged,
            vec![
                s("1", "New", StatusType::Progress),
                s("2", "Won!", StatusType::Paid),
                s("3", "Lost", StatusType::Canceled),
                s("4", "Junk", StatusType::Canceled),
                s("5", "Archived", StatusType::Unused),
            ]
        );
        assert_eq!(merge_statuses(&current, &[]), current);
        assert_eq!(merge_statuses(&[], &current), current);
    }

    #[test]
    fn set_statuses_validation() {
        assert!(SetStatuses::new(vec![]).is_err());
        let dup = vec![s("1", "a", StatusType::Paid), s("1", "b", StatusType::Paid)];
        assert!(
            SetStatuses::new(dup)
                .unwrap_err()
                .to_string()
                .contains("more than once")
        );
        let other = vec![s("1", "a", StatusType::Other("weird".into()))];
        assert!(SetStatuses::new(other).is_err());
        assert!(SetStatuses::new(vec![s("1", "a", StatusType::Paid)]).is_ok());
    }
}
