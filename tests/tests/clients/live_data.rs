//! Issue 10 through both clients: an export of live-looking data delivers every row
//! (odd ones flagged, none lost; strict mode fails at the first with its path), and the
//! waits after `request_limit_error` depend on the method: about a second for the
//! status list, the limiter's own window for the order list.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use roistat_core::types::{ListOrdersRequest, OrderList, StatusList, StatusType};
use roistat_core::{Error, RetryPolicy, ScheduleConfig};
use roistat_mock::{Fault, MockServer};
use serde_json::Value;

use crate::support::{Api, both_clients, builder, mock_client};

both_clients!(
    quirks_export_delivers_every_row_and_flags_the_odd_ones,
    status_list_retries_after_a_second_while_the_order_list_waits_for_its_window,
);

/// A MySQL zero date: a value no date model reads (PHP backends send it for "unset").
const ZERO_DATE: &str = "0000-00-00 00:00:00";

/// Positions (newest first) of the rows whose `creation_date` is made unreadable.
const BROKEN_AT: [usize; 3] = [17, 2500, 4990];

async fn quirks_export_delivers_every_row_and_flags_the_odd_ones<C: Api>() {
    let server = MockServer::builder()
        .orders(5000)
        .seed(10)
        .quirks(true)
        .odd_status_rate(0.003)
        .start()
        .unwrap();
    let ids = server.store().order_ids();
    // Rows that fail typed decoding in part: the mock's quirks alone never do (its
    // odd statuses decode as statuses without a group), live data sometimes does.
    let broken: BTreeSet<String> = BROKEN_AT.iter().map(|&i| ids[i].clone()).collect();
    for id in &broken {
        let mut stored = server.store().stored_order(id).unwrap();
        stored
            .wire_overrides
            .insert("creation_date".into(), Value::from(ZERO_DATE));
        server.store().insert_order(stored);
    }
    assert_eq!(server.store().order_ids(), ids, "replaced in place");

    // What the client must read for the mock's odd statuses: `type` missing or null
    // (stored as the group "") is ungrouped; `archived` stays as sent.
    let odd: BTreeMap<String, StatusType> = server
        .store()
        .orders()
        .into_iter()
        .filter_map(|o| {
            let t = o.status?.r#type;
            let want = match t {
                StatusType::Other(s) if s.is_empty() => StatusType::Ungrouped,
                t if t.is_known() => return None,
                t => t,
            };
            Some((o.id.into_inner(), want))
        })
        .collect();
    assert!(odd.len() >= 5, "about 3 in 1,000 of 5,003: {odd:?}");
    assert!(odd.values().any(|t| *t == StatusType::Ungrouped));
    assert!(
        odd.values()
            .any(|t| *t == StatusType::Other("archived".into()))
    );

    let client: C = mock_client(&server);
    let walk = client
        .walk(ListOrdersRequest::new(), Some(1000), None)
        .await;
    assert!(walk.error.is_none(), "{}: {:?}", C::NAME, walk.error);
    let got: Vec<String> = walk.orders.iter().map(|o| o.id.to_string()).collect();
    assert_eq!(got, ids, "every row once, in the server's order");

    let mut partial = BTreeSet::new();
    let mut odd_seen = 0;
    for o in &walk.orders {
        let id = o.id.as_str();
        let t = &o.status.as_ref().unwrap().r#type;
        match odd.get(id) {
            Some(want) => {
                assert_eq!(t, want, "{id}");
                odd_seen += 1;
            }
            None => assert!(t.is_known(), "{id}: {t:?}"),
        }
        if o.is_partial() {
            assert_eq!(o.decode_issues.len(), 1, "{id}: {:?}", o.decode_issues);
            let issue = &o.decode_issues[0];
            assert_eq!(issue.path, "creation_date");
            assert_eq!(issue.raw, ZERO_DATE, "the raw value is kept");
            assert_eq!(o.creation_date, None);
            assert!(o.revenue.is_some(), "the rest of the row is read");
            partial.insert(id.to_owned());
        }
    }
    assert_eq!(odd_seen, odd.len());
    assert_eq!(partial, broken, "exactly the broken rows are partial");

    // Strict: the first page fails at the first broken row, with its path.
    let strict: C = builder::<C>(&server.base_url(), server.project(), server.api_key())
        .strict(true)
        .build()
        .unwrap();
    let walk = strict
        .walk(ListOrdersRequest::new(), Some(1000), None)
        .await;
    match &walk.error {
        Some(Error::Decode { path, message, .. }) => {
            assert_eq!(path, &format!("data[{}].creation_date", BROKEN_AT[0]));
            assert!(message.contains(ZERO_DATE), "{message}");
        }
        other => panic!("{}: {other:?}", C::NAME),
    }
    assert!(walk.orders.is_empty(), "the failed page delivered nothing");
    assert!(walk.ended_after_error);
}

/// Runs an order-list call and a status-list call at the same time.
#[allow(async_fn_in_trait)] // only driven in this crate
pub trait Concurrently: Api {
    async fn list_both(
        &self,
        request: &ListOrdersRequest,
    ) -> (Result<OrderList, Error>, Result<StatusList, Error>);
}

impl Concurrently for roistat_blocking::Client {
    async fn list_both(
        &self,
        request: &ListOrdersRequest,
    ) -> (Result<OrderList, Error>, Result<StatusList, Error>) {
        std::thread::scope(|s| {
            let orders = s.spawn(|| self.list_orders(request.clone()));
            let statuses = self.list_statuses();
            (orders.join().unwrap(), statuses)
        })
    }
}

impl Concurrently for roistat_async::Client {
    async fn list_both(
        &self,
        request: &ListOrdersRequest,
    ) -> (Result<OrderList, Error>, Result<StatusList, Error>) {
        tokio::join!(Api::list_orders(self, request), Api::list_statuses(self))
    }
}

async fn status_list_retries_after_a_second_while_the_order_list_waits_for_its_window<
    C: Concurrently,
>() {
    const WINDOW: Duration = Duration::from_secs(2);
    // Arrival stamps follow the client's send stamps by a loopback hop (the first
    // request's includes the connect).
    const HOP: Duration = Duration::from_millis(150);
    let server = MockServer::builder().orders(30).start().unwrap();
    let client: C = builder::<C>(&server.base_url(), server.project(), server.api_key())
        .retry_policy(RetryPolicy::default())
        .rate_limits(ScheduleConfig::documented().with_minute(WINDOW))
        .build()
        .unwrap();
    let page = ListOrdersRequest::new().limit(10);
    // The oldest stamp of the order list's window: taken after this instant.
    let before_first = Instant::now();
    client.list_orders(&page).await.unwrap();
    server
        .faults()
        .next_on("order/list", 1, Fault::error("request_limit_error", "x"))
        .next_on("status/list", 1, Fault::error("request_limit_error", "x"));
    let (orders, statuses) = client.list_both(&page).await;
    assert_eq!(orders.unwrap().data.len(), 10, "{}", C::NAME);
    assert!(!statuses.unwrap().data.is_empty());

    let arrivals = |path: &str| -> Vec<(Instant, Option<String>)> {
        server
            .requests()
            .matching(path)
            .into_iter()
            .map(|r| (r.arrived_at, r.error))
            .collect()
    };
    let list = arrivals("order/list");
    let status = arrivals("status/list");
    assert_eq!(list.len(), 3, "first, refused, retried: {list:?}");
    assert_eq!(status.len(), 2, "refused, retried: {status:?}");
    assert_eq!(list[1].1.as_deref(), Some("request_limit_error"));
    assert_eq!(status[0].1.as_deref(), Some("request_limit_error"));
    assert_eq!((list[2].1.as_ref(), status[1].1.as_ref()), (None, None));

    // The status list: about a second (1 s +-25 %, or the 1.1 s project window).
    let status_gap = status[1].0 - status[0].0;
    // The order list: not before its window frees a slot, i.e. the window minus the
    // time since the oldest stamp (the first call) when it was refused.
    let list_gap = list[2].0 - list[1].0;
    let since_oldest = list[1].0 - list[0].0;
    let must_wait = WINDOW.saturating_sub(since_oldest);
    eprintln!(
        "{}: status-list retry after {:.3} s; order-list retry after {:.3} s \
         (window frees a slot after {:.3} s)",
        C::NAME,
        status_gap.as_secs_f64(),
        list_gap.as_secs_f64(),
        must_wait.as_secs_f64()
    );
    assert!(
        (Duration::from_millis(700)..=Duration::from_millis(1600)).contains(&status_gap),
        "{}: status list retried after {status_gap:?}",
        C::NAME
    );
    assert!(
        list_gap + HOP >= must_wait,
        "{}: order list retried after {list_gap:?}, before its window freed a slot \
         ({must_wait:?})",
        C::NAME
    );
    // Without the hop's uncertainty: the retry left a full window after the first.
    assert!(list[2].0 - before_first >= WINDOW, "{}", C::NAME);
    // ... and soon after it (not the 5 s or 15 s of other methods), while the status
    // list had long been answered.
    assert!(
        list_gap <= must_wait + Duration::from_millis(1500),
        "{list_gap:?}"
    );
    assert!(
        status[1].0 < list[2].0,
        "the status list did not wait for the order list"
    );
}
