//! Row isolation for the order list: one odd row never fails its page.
//!
//! Each row of `data` is taken as raw JSON text (serde_json's raw-value protocol: a scan,
//! no allocation when the input is borrowed), then decoded with the derived
//! `Deserialize` of [`Order`]. That is the hot path, and it costs no more than decoding
//! the page in one pass: the scan validates UTF-8 once, so the typed pass over a `&str`
//! skips the per-string check a `&[u8]` input needs.
//!
//! Only when a row's typed decode fails is it read again, field by field from a
//! `serde_json::Value`: every field that reads is kept, every known key whose value does
//! not becomes a [`DecodeIssue`] with its raw JSON, and a missing or unreadable id
//! becomes the empty id. Unknown keys stay ignored, as on the hot path.
//!
//! Deserializers other than serde_json's (which do not speak the raw-value protocol)
//! get the plain typed decode, without isolation.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::issue::DecodeIssue;
use crate::lenient::{f64_opt, object_opt, string_opt};
use crate::visit::{Device, Geo, Visit, VisitSource};
use crate::{ClientId, CustomFields, Order, OrderId, Status, StatusId, StatusType, VisitId};

/// The newtype name through which serde_json hands out a value's raw text (the name
/// `serde_json::value::RawValue` uses; this module's tests fail if that changes).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// `deserialize_with` for `OrderList::data`: a list of rows, `null` read as empty.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Order>, D::Error> {
    d.deserialize_option(Rows)
}

struct Rows;

impl<'de> Visitor<'de> for Rows {
    type Value = Vec<Order>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of orders or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut rows = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(order) = seq.next_element_seed(Row)? {
            rows.push(order);
        }
        Ok(rows)
    }
}

/// One row: its raw text, then [`order_from_json`].
struct Row;

impl<'de> DeserializeSeed<'de> for Row {
    type Value = Order;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Order, D::Error> {
        d.deserialize_newtype_struct(RAW_VALUE_TOKEN, RowVisitor)
    }
}

struct RowVisitor;

impl<'de> Visitor<'de> for RowVisitor {
    type Value = Order;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an order")
    }

    /// serde_json's raw-value protocol: a one-entry map whose value is the raw text.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Order, A::Error> {
        if map.next_key::<IgnoredAny>()?.is_none() {
            return Err(de::Error::custom("expected the raw text of an order row"));
        }
        let raw: RawText<'de> = map.next_value()?;
        Ok(order_from_json(&raw.0))
    }

    /// Any other deserializer: the plain typed decode.
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Order, D::Error> {
        Order::deserialize(d)
    }
}

/// A row's raw text, borrowed from the input when it can be.
struct RawText<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for RawText<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawText<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("raw JSON text")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(RawText(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(RawText(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(RawText(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Decodes one order row from its JSON text; never fails (see the module docs).
fn order_from_json(raw: &str) -> Order {
    // Only an object is a row: serde's derive would also read an array positionally.
    if !raw.trim_start().starts_with('{') {
        return salvage_text(raw, None);
    }
    match serde_json::from_str::<Order>(raw) {
        Ok(order) => order,
        Err(typed) => salvage_text(raw, Some(&typed)),
    }
}

fn salvage_text(raw: &str, typed: Option<&serde_json::Error>) -> Order {
    let value = match serde_json::from_str::<Value>(raw) {
        Ok(v) => v,
        // The raw scan skips numbers without reading them, so a literal no `f64` holds
        // (`1e400`) only fails here: keep the row's text.
        Err(e) => {
            let mut order = Order::new(OrderId::new_unchecked(""));
            order.decode_issues.push(DecodeIssue::new(
                "",
                format!("unreadable JSON: {e}"),
                Value::String(raw.to_owned()),
            ));
            return order;
        }
    };
    let mut order = salvage_order(&value);
    if let Some(typed) = typed.filter(|_| order.decode_issues.is_empty()) {
        // The typed decode saw a problem the field-by-field reading does not (a key
        // given twice, say): keep the whole row rather than drop the complaint.
        order
            .decode_issues
            .push(DecodeIssue::new("", typed.to_string(), value));
    }
    order
}

/// Reads the fields of one JSON object one by one, noting the ones that do not read.
struct Fields<'a> {
    object: &'a Map<String, Value>,
    prefix: &'a str,
    issues: &'a mut Vec<DecodeIssue>,
}

impl<'a> Fields<'a> {
    fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    /// The field read with `read`; `None` when absent, or unreadable (an issue).
    fn read<T>(
        &mut self,
        key: &str,
        read: impl FnOnce(&'a Value) -> Result<T, serde_json::Error>,
    ) -> Option<T> {
        let value = self.object.get(key)?;
        match read(value) {
            Ok(v) => Some(v),
            Err(e) => {
                let path = self.path(key);
                self.issues
                    .push(DecodeIssue::new(path, e.to_string(), value.clone()));
                None
            }
        }
    }

    /// An optional nested object: read whole, or field by field with `salvage` when it
    /// is an object that does not read whole.
    fn nested<T: Deserialize<'a>>(
        &mut self,
        key: &str,
        salvage: impl FnOnce(Fields<'_>) -> T,
    ) -> Option<T> {
        let value = self.object.get(key)?;
        match object_opt::deserialize::<_, T>(value) {
            Ok(v) => v,
            Err(e) => match value {
                Value::Object(object) => {
                    let prefix = self.path(key);
                    Some(salvage(Fields {
                        object,
                        prefix: &prefix,
                        issues: self.issues,
                    }))
                }
                _ => {
                    let path = self.path(key);
                    self.issues
                        .push(DecodeIssue::new(path, e.to_string(), value.clone()));
                    None
                }
            },
        }
    }

    /// A required id: unreadable or absent gives the empty id and an issue.
    fn id<T: Deserialize<'a>>(&mut self, key: &str, empty: T) -> T {
        if !self.object.contains_key(key) {
            let path = self.path(key);
            self.issues.push(DecodeIssue::new(
                path,
                format!("missing field `{key}`"),
                Value::Null,
            ));
            return empty;
        }
        self.read(key, T::deserialize).unwrap_or(empty)
    }

    fn string(&mut self, key: &str) -> Option<String> {
        self.read(key, string_opt::deserialize).flatten()
    }
}

fn salvage_order(value: &Value) -> Order {
    let mut issues = Vec::new();
    let Value::Object(object) = value else {
        let mut order = Order::new(OrderId::new_unchecked(""));
        order.decode_issues.push(DecodeIssue::new(
            "",
            format!("expected an order object, got {}", kind(value)),
            value.clone(),
        ));
        return order;
    };
    let mut f = Fields {
        object,
        prefix: "",
        issues: &mut issues,
    };
    let mut order = Order::new(f.id("id", OrderId::new_unchecked("")));
    order.url = f.string("url");
    order.source_type = f.string("source_type");
    order.creation_date = f
        .read("creation_date", crate::date::roistat_option::deserialize)
        .flatten();
    order.update_date = f
        .read("update_date", crate::date::roistat_option::deserialize)
        .flatten();
    order.revenue = f.read("revenue", f64_opt::deserialize).flatten();
    order.cost = f.read("cost", f64_opt::deserialize).flatten();
    order.client_id = f
        .read("client_id", Option::<ClientId>::deserialize)
        .flatten();
    order.visit_id = f.read("visit_id", Option::<VisitId>::deserialize).flatten();
    order.custom_fields = f
        .read("custom_fields", CustomFields::deserialize)
        .unwrap_or_default();
    order.status = f.nested("status", salvage_status);
    order.visit = f.nested("visit", salvage_visit);
    // Our own serialized partial rows carry their issues: keep them.
    let earlier = f
        .read("decode_issues", Option::<Vec<DecodeIssue>>::deserialize)
        .flatten()
        .unwrap_or_default();
    order.decode_issues = earlier;
    order.decode_issues.extend(issues);
    order
}

fn salvage_status(mut f: Fields<'_>) -> Status {
    let id = f.id("id", StatusId::new_unchecked(""));
    let name = f
        .read("name", crate::status::name_or_null)
        .unwrap_or_default();
    let r#type = f
        .read("type", StatusType::deserialize)
        .unwrap_or(StatusType::Ungrouped);
    Status::new(id, name, r#type)
}

fn salvage_visit(mut f: Fields<'_>) -> Visit {
    Visit {
        id: f.string("id"),
        first_id: f.string("first_id"),
        date: f
            .read("date", crate::date::roistat_option::deserialize)
            .flatten(),
        referrer: f.string("referrer"),
        landing_page: f.string("landing_page"),
        host: f.string("host"),
        agent: f.string("agent"),
        ip: f.string("ip"),
        google_client_id: f.string("google_client_id"),
        metrika_client_id: f.string("metrika_client_id"),
        source: f.nested("source", |mut f| VisitSource {
            referrer: f.string("referrer"),
            system_name: f.string("system_name"),
            display_name: f.string("display_name"),
            icon_url: f.string("icon_url"),
            utm_source: f.string("utm_source"),
            utm_medium: f.string("utm_medium"),
            utm_campaign: f.string("utm_campaign"),
            utm_term: f.string("utm_term"),
            utm_content: f.string("utm_content"),
            openstat: f.string("openstat"),
        }),
        geo: f.nested("geo", |mut f| Geo {
            country: f.string("country"),
            region: f.string("region"),
            city: f.string("city"),
            icon_url: f.string("icon_url"),
            country_iso: f.string("country_iso"),
        }),
        device: f.nested("device", |mut f| Device {
            os: f.string("os"),
            os_icon: f.string("os_icon"),
            agent: f.string("agent"),
            agent_icon: f.string("agent_icon"),
        }),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{OrderList, StatusType};

    fn row(id: u32) -> serde_json::Value {
        json!({
            "id": id.to_string(), "creation_date": "2016-06-19T00:32:12+0000",
            "revenue": "1500", "client_id": 7, "custom_fields": {"Manager": "A"},
            "status": {"id": "1", "name": "New", "type": "progress"},
            "visit": {"id": "9", "geo": {"city": "Moscow"}, "source": {"utm_source": "g"}}
        })
    }

    /// A page of ten rows where row 9 is replaced by `odd`.
    fn page(odd: serde_json::Value) -> OrderList {
        let mut rows: Vec<_> = (0..10).map(row).collect();
        rows[9] = odd;
        let body = json!({"data": rows, "total": 10, "status": "success"}).to_string();
        let page: OrderList = serde_json::from_str(&body).unwrap();
        assert_eq!(page.data.len(), 10);
        for (i, o) in page.data.iter().take(9).enumerate() {
            let alone: crate::Order = serde_json::from_value(row(i as u32)).unwrap();
            assert_eq!(o, &alone);
            assert!(!o.is_partial());
        }
        page
    }

    #[test]
    fn an_unreadable_field_is_an_issue_with_its_raw_value() {
        let mut odd = row(9);
        odd["creation_date"] = json!("yesterday");
        odd["cost"] = json!({"x": 1});
        let page = page(odd);
        let o = &page.data[9];
        assert_eq!(o.id, "9");
        assert_eq!(o.revenue, Some(1500.0));
        assert_eq!(o.creation_date, None);
        assert_eq!(o.status.as_ref().unwrap().name, "New");
        assert_eq!(
            o.visit
                .as_ref()
                .unwrap()
                .geo
                .as_ref()
                .unwrap()
                .city
                .as_deref(),
            Some("Moscow")
        );
        let paths: Vec<_> = o.decode_issues.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["creation_date", "cost"]);
        assert_eq!(o.decode_issues[0].raw, json!("yesterday"));
        assert!(o.decode_issues[0].message.contains("yesterday"));
        assert_eq!(o.decode_issues[1].raw, json!({"x": 1}));
        assert_eq!(page.partial_rows().map(|(i, _)| i).collect::<Vec<_>>(), [9]);
    }

    #[test]
    fn nested_objects_are_read_field_by_field() {
        let mut odd = row(9);
        odd["status"]["id"] = json!([1]);
        odd["visit"]["source"]["utm_medium"] = json!({"a": 1});
        odd["visit"]["geo"] = json!(5);
        let o = &page(odd).data[9];
        let status = o.status.as_ref().unwrap();
        assert_eq!((status.id.as_str(), status.name.as_str()), ("", "New"));
        assert_eq!(status.r#type, StatusType::Progress);
        let visit = o.visit.as_ref().unwrap();
        assert_eq!(visit.id.as_deref(), Some("9"));
        assert_eq!(visit.geo, None);
        let source = visit.source.as_ref().unwrap();
        assert_eq!(source.utm_source.as_deref(), Some("g"));
        assert_eq!(source.utm_medium, None);
        let issues: Vec<_> = o
            .decode_issues
            .iter()
            .map(|i| (i.path.as_str(), i.raw.clone()))
            .collect();
        assert_eq!(
            issues,
            [
                ("status.id", json!([1])),
                ("visit.source.utm_medium", json!({"a": 1})),
                ("visit.geo", json!(5)),
            ]
        );
    }

    #[test]
    fn rows_without_a_readable_id_are_still_delivered() {
        let mut odd = row(9);
        odd.as_object_mut().unwrap().remove("id");
        let o = &page(odd).data[9];
        assert_eq!(o.id, "");
        assert_eq!(o.revenue, Some(1500.0));
        assert_eq!(o.decode_issues[0].path, "id");
        assert_eq!(o.decode_issues[0].message, "missing field `id`");

        let mut odd = row(9);
        odd["id"] = json!(true);
        let o = &page(odd).data[9];
        assert_eq!(
            (o.id.as_str(), o.decode_issues[0].raw.clone()),
            ("", json!(true))
        );

        for whole in [json!(5), json!(null), json!("x"), json!([1, 2])] {
            let o = &page(whole.clone()).data[9];
            assert_eq!(o.id, "");
            assert_eq!(o.decode_issues.len(), 1);
            assert_eq!(o.decode_issues[0].path, "");
            assert_eq!(o.decode_issues[0].raw, whole);
        }
    }

    #[test]
    fn unknown_keys_are_no_issue_and_a_duplicate_key_is_not_lost() {
        let mut odd = row(9);
        odd["profit"] = json!({"weird": [1]});
        let o = &page(odd).data[9];
        assert!(!o.is_partial());
        // serde_json's Value keeps the last of two equal keys; the typed decode refuses.
        let body = r#"{"data":[{"id":"1","id":"2"}],"total":1}"#;
        let page: OrderList = serde_json::from_str(body).unwrap();
        let o = &page.data[0];
        assert_eq!(o.decode_issues.len(), 1);
        assert_eq!(o.decode_issues[0].path, "");
        assert!(o.decode_issues[0].message.contains("duplicate"), "{o:?}");
        assert_eq!(o.decode_issues[0].raw, json!({"id": "2"}));
    }

    #[test]
    fn a_number_no_f64_holds_keeps_the_row_text() {
        let body = r#"{"data":[{"id":"1"},{"id":"2","revenue":1e400}],"total":2}"#;
        let page: OrderList = serde_json::from_str(body).unwrap();
        assert!(!page.data[0].is_partial());
        let issue = &page.data[1].decode_issues[0];
        assert_eq!(issue.path, "");
        assert_eq!(issue.raw, json!(r#"{"id":"2","revenue":1e400}"#));
        assert!(issue.message.contains("out of range"), "{issue:?}");
    }

    #[test]
    fn every_serde_json_entry_point_isolates_rows() {
        let body = r#"{"data":[{"id":"1"},{"id":"2","revenue":[]}],"total":"2"}"#;
        let check = |page: OrderList| {
            assert_eq!(page.data.len(), 2);
            assert!(!page.data[0].is_partial());
            assert_eq!(page.data[1].decode_issues[0].path, "revenue");
        };
        check(serde_json::from_str(body).unwrap());
        check(serde_json::from_slice(body.as_bytes()).unwrap());
        check(serde_json::from_reader(body.as_bytes()).unwrap());
        let value: serde_json::Value = serde_json::from_str(body).unwrap();
        check(serde_json::from_value(value.clone()).unwrap());
        check(OrderList::deserialize(&value).unwrap());
    }

    #[test]
    fn partial_rows_round_trip_and_clean_rows_serialize_as_before() {
        let mut odd = row(9);
        odd["update_date"] = json!("never");
        let page = page(odd);
        let clean = serde_json::to_value(&page.data[0]).unwrap();
        assert!(clean.get("decode_issues").is_none());
        let text = serde_json::to_string(&page).unwrap();
        let again: OrderList = serde_json::from_str(&text).unwrap();
        assert_eq!(again, page);
        assert_eq!(again.data[9].decode_issues[0].raw, json!("never"));
    }

    #[test]
    fn null_and_absent_data_are_empty_pages() {
        for body in [
            r#"{"data":null,"total":0}"#,
            r#"{"total":0}"#,
            r#"{"data":[],"total":0}"#,
        ] {
            let page: OrderList = serde_json::from_str(body).unwrap();
            assert!(page.data.is_empty(), "{body}");
        }
        assert!(serde_json::from_str::<OrderList>(r#"{"data":5}"#).is_err());
        assert!(serde_json::from_str::<OrderList>(r#"{"data":{"a":1}}"#).is_err());
    }

    use serde::Deserialize;
}
