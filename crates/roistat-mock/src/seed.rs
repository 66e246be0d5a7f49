//! The reference's documented examples, verbatim, as the mock's starting data.
//!
//! - order `95101` of the order-list example, with its status `{"id":"1",...}`;
//! - order `order_12345` of the order-info example, with its visit chain and products
//!   (its list form is derived from the same data);
//! - order `123` of the external-url and status-update examples, whose CRM URL is
//!   `http://new123qwerty.amocrm.ru/leads/detail/123`;
//! - the 14 statuses of the status-list example;
//! - the custom field names `City`, `Cashier`, `Manager`.
//!
//! The JSON files beside this module are copies of the reference's examples.

use roistat_types::{Order, OrderInfo, Status};
use serde::Deserialize;

use crate::store::StoredOrder;

/// How many orders [`orders`] returns.
pub const EXAMPLE_ORDER_COUNT: usize = 3;

const ORDER_LIST: &str = include_str!("seed/order-list.json");
const ORDER_INFO: &str = include_str!("seed/order-info.json");
const STATUS_LIST: &str = include_str!("seed/status-list.json");

/// The list form of `order_12345`, consistent with the info example.
const ORDER_12345_LIST: &str = r#"{
  "id": "order_12345",
  "url": "https://example.com/order/order_12345",
  "source_type": "phone",
  "creation_date": "2022-04-12T04:34:02+0000",
  "update_date": null,
  "revenue": 9989.7279999999992,
  "cost": 0,
  "client_id": "817",
  "visit_id": "12345",
  "custom_fields": {
    "status_name": "Rejected",
    "Rejection reason": "Chose competitors",
    "Manager": "Jack Smith",
    "roistat": 32446
  },
  "status": {"id": "4", "type": "canceled", "name": "Rejected"},
  "visit": {
    "id": "12345",
    "first_id": "6724",
    "date": "2022-04-12T03:53:31+0000",
    "referrer": "http://avito.ru/some-adv",
    "landing_page": "http://cozy.home.ru/catalog/lights",
    "host": "cozy.home.ru",
    "agent": "Mozilla/5.0 (Windows NT 6.3; Win64; x64; rv:99.0) Gecko/20100101 Firefox/99.0",
    "ip": null,
    "google_client_id": null,
    "metrika_client_id": null,
    "source": {
      "referrer": "http://avito.ru/some-adv",
      "system_name": "vk4",
      "display_name": "VK",
      "icon_url": "https://favicon.yandex.net/favicon/vk.com",
      "utm_source": "vk",
      "utm_medium": "cpc",
      "utm_campaign": "35",
      "utm_term": null,
      "utm_content": "31902633",
      "openstat": null
    },
    "geo": {
      "country": "Germany",
      "region": "Berlin",
      "city": "Berlin",
      "icon_url": "https://cloud.roistat.com/img/country/de.png",
      "country_iso": "DE"
    },
    "device": {
      "os": "Windows 8.1",
      "os_icon": "https://cloud.roistat.com/img/os/win81.png",
      "agent": "Firefox",
      "agent_icon": "https://cloud.roistat.com/img/browsers/firefox.png"
    }
  }
}"#;

/// Order `123` of the external-url and status-update examples.
const ORDER_123_LIST: &str = r#"{
  "id": "123",
  "url": "http://new123qwerty.amocrm.ru/leads/detail/123",
  "source_type": "standard",
  "creation_date": "2016-06-20T09:12:44+0000",
  "update_date": "2016-06-20T09:40:03+0000",
  "revenue": 0,
  "cost": 0,
  "client_id": "78190",
  "visit_id": null,
  "custom_fields": {"Manager": "John Doe", "City": "Berlin"},
  "status": {"id": "deal_NEW", "type": "progress", "name": "New (Main) (Deals)"},
  "visit": null
}"#;

#[derive(Deserialize)]
struct Page<T> {
    data: Vec<T>,
}

/// The 14 statuses of the status-list example.
pub fn statuses() -> Vec<Status> {
    serde_json::from_str::<Page<Status>>(STATUS_LIST)
        .map(|p| p.data)
        .unwrap_or_default()
}

/// `City`, `Cashier`, `Manager`.
pub fn custom_field_names() -> Vec<String> {
    ["City", "Cashier", "Manager"].map(String::from).to_vec()
}

/// The documented orders, in this order: `95101`, `order_12345`, `123`.
pub fn orders() -> Vec<StoredOrder> {
    let mut out = Vec::with_capacity(EXAMPLE_ORDER_COUNT);
    if let Ok(page) = serde_json::from_str::<Page<Order>>(ORDER_LIST) {
        out.extend(page.data.into_iter().map(StoredOrder::new));
    }
    if let Ok(order) = serde_json::from_str::<Order>(ORDER_12345_LIST) {
        let mut stored = StoredOrder::new(order).with_name("order_12345");
        stored.info = serde_json::from_str::<OrderInfo>(ORDER_INFO).ok();
        out.push(stored);
    }
    if let Ok(order) = serde_json::from_str::<Order>(ORDER_123_LIST) {
        out.push(StoredOrder::new(order).with_name("Deal #123"));
    }
    out
}

/// The reference's order-info example response, verbatim.
pub fn order_info_example() -> &'static str {
    ORDER_INFO
}

/// The reference's order-list example response, verbatim.
pub fn order_list_example() -> &'static str {
    ORDER_LIST
}

/// The reference's status-list example response, verbatim.
pub fn status_list_example() -> &'static str {
    STATUS_LIST
}
