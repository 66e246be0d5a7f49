//! Where orders come from: the three reads a sync needs, behind a small trait.
//!
//! The blocking client implements it; tests and scripts can implement it over anything
//! (a recorded export, a source that fails after N orders to rehearse a crash).

use roistat_blocking::Client;
use roistat_types::{ListOrdersRequest, Order, Status};

/// The reads a sync makes.
pub trait OrderSource {
    /// The source's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Every order `request` selects, in any order (duplicates are harmless: rows are
    /// upserted by id). The page size and paging are the source's business.
    fn orders(&self, request: ListOrdersRequest) -> Box<dyn OrderStream<Self::Error> + '_>;

    /// The status dictionary.
    fn statuses(&self) -> Result<Vec<Status>, Self::Error>;

    /// The names of the custom order fields.
    fn custom_field_names(&self) -> Result<Vec<String>, Self::Error>;
}

/// The orders of one walk, with what the source knows about its progress.
pub trait OrderStream<E>: Iterator<Item = Result<Order, E>> {
    /// How many orders the walk selects in all, once known.
    fn total(&self) -> Option<u64> {
        None
    }

    /// Requests sent so far for this walk, if the source counts them.
    fn requests(&self) -> Option<u64> {
        None
    }

    /// Rate-limit refusals met so far by this walk, if the source counts them.
    fn refusals(&self) -> Option<u64> {
        None
    }
}

/// Any iterator of orders, with no progress information.
#[derive(Debug)]
pub struct Uncounted<I>(pub I);

impl<E, I: Iterator<Item = Result<Order, E>>> Iterator for Uncounted<I> {
    type Item = Result<Order, E>;
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next()
    }
}

impl<E, I: Iterator<Item = Result<Order, E>>> OrderStream<E> for Uncounted<I> {}

impl OrderStream<roistat_blocking::Error> for roistat_blocking::Orders {
    fn total(&self) -> Option<u64> {
        self.progress().total
    }

    fn requests(&self) -> Option<u64> {
        Some(self.progress().requests)
    }

    fn refusals(&self) -> Option<u64> {
        Some(self.progress().refusals)
    }
}

/// The blocking client: pages under its rate limits, retries as its policy says.
impl OrderSource for Client {
    type Error = roistat_blocking::Error;

    fn orders(&self, request: ListOrdersRequest) -> Box<dyn OrderStream<Self::Error> + '_> {
        Box::new(Client::orders(self, request))
    }

    fn statuses(&self) -> Result<Vec<Status>, Self::Error> {
        Ok(self.list_statuses()?.data)
    }

    fn custom_field_names(&self) -> Result<Vec<String>, Self::Error> {
        Client::custom_field_names(self)
    }
}
