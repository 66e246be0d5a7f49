//! `cargo xtask record`: the answers of the read-only operations, as a real project
//! gives them, recorded through `roistat-blocking` into `fixtures/recorded/`.
//!
//! Each answer is kept as JSON (not re-serialized from the SDK's models, so fields the
//! models do not know survive), with personal data redacted ([`crate::redact`]). The API
//! key only travels in the request header; a file that would contain it is refused.
//!
//! No recording is committed yet: `fixtures/recorded/` does not exist until someone runs
//! this against a real account. Until then the fixtures the tests read are the
//! reference's examples, verbatim (`fixtures/reference/`), and hand-written variants of
//! the real-world behaviour other clients documented (`fixtures/variants/`).

use std::path::PathBuf;

use http::Method;
use roistat_blocking::Client;
use roistat_blocking::types::{ListOrdersRequest, OrderId};
use roistat_core::endpoints::{
    GetOrderExternalUrl, GetOrderInfo, ListCustomFields, ListOrders, ListStatuses,
};
use roistat_core::{Endpoint, Error, Path, RateClass, RetrySafety};
use serde_json::Value;

use crate::redact::redact;

/// The default page size of the recorded order list.
pub const DEFAULT_LIMIT: u32 = 10;

/// What to record and where.
pub struct Options {
    /// The API root, e.g. `https://cloud.roistat.com/api/v1`.
    pub base_url: String,
    /// The project number.
    pub project: u64,
    /// The API key (never written anywhere).
    pub api_key: String,
    /// The directory the files go to (created if missing).
    pub out: PathBuf,
    /// The page size of the order list.
    pub limit: u32,
}

/// Any endpoint, answering the raw JSON instead of the model.
struct Raw<E>(E);

impl<E: Endpoint> Endpoint for Raw<E> {
    type Output = Value;
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn method(&self) -> Method {
        self.0.method()
    }
    fn path(&self) -> Path {
        self.0.path()
    }
    fn query(&self) -> Vec<(&'static str, String)> {
        self.0.query()
    }
    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        self.0.body()
    }
    fn retry_safety(&self) -> RetrySafety {
        self.0.retry_safety()
    }
    fn rate_class(&self) -> RateClass {
        self.0.rate_class()
    }
}

/// Records every read-only operation; returns the files written. Fails (after writing
/// what succeeded) if any operation failed.
pub fn record(options: &Options) -> Result<Vec<PathBuf>, String> {
    // Errors never contain the key (the SDK guarantees it), so they can be printed.
    let client = Client::builder()
        .project(options.project)
        .api_key(options.api_key.clone())
        .base_url(options.base_url.clone())
        .build()
        .map_err(|e| format!("cannot build the client: {e}"))?;
    std::fs::create_dir_all(&options.out)
        .map_err(|e| format!("cannot create {}: {e}", options.out.display()))?;

    let mut rec = Recorder {
        options,
        written: Vec::new(),
        failed: Vec::new(),
    };
    let list = ListOrders::new(
        ListOrdersRequest::new()
            .with_visits()
            .limit(options.limit.max(1)),
    )
    .map_err(|e| e.to_string())?;
    let page = rec.save("order-list", client.send(&Raw(list)));
    let first = page
        .as_ref()
        .and_then(|p| p.get("data")?.get(0)?.get("id").cloned())
        .and_then(|id| match id {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
    match first.map(OrderId::new) {
        Some(Ok(id)) => {
            let info = GetOrderInfo::new(id.clone()).map_err(|e| e.to_string())?;
            rec.save("order-info", client.send(&Raw(info)));
            let url = GetOrderExternalUrl::new(id).map_err(|e| e.to_string())?;
            rec.save("order-external-url", client.send(&Raw(url)));
        }
        _ if page.is_some() => rec
            .failed
            .push("order-info, order-external-url: the project lists no order".into()),
        _ => {}
    }
    rec.save("status-list", client.send(&Raw(ListStatuses::new())));
    rec.save(
        "order-custom-fields",
        client.send(&Raw(ListCustomFields::new())),
    );

    if rec.failed.is_empty() {
        Ok(rec.written)
    } else {
        let done: Vec<String> = rec
            .written
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        Err(format!(
            "recorded: {}\nfailed:\n  {}",
            if done.is_empty() {
                "nothing".into()
            } else {
                done.join(", ")
            },
            rec.failed.join("\n  ")
        ))
    }
}

/// What was written and what failed.
struct Recorder<'a> {
    options: &'a Options,
    written: Vec<PathBuf>,
    failed: Vec<String>,
}

impl Recorder<'_> {
    /// Writes one answer; returns it unredacted (the caller reads the first order id).
    fn save(&mut self, op: &str, answer: Result<Value, Error>) -> Option<Value> {
        let result = answer.map_err(|e| e.to_string()).and_then(|v| {
            let path = write(self.options, op, v.clone())?;
            Ok((path, v))
        });
        match result {
            Ok((path, v)) => {
                self.written.push(path);
                Some(v)
            }
            Err(e) => {
                self.failed.push(format!("{op}: {e}"));
                None
            }
        }
    }
}

/// Redacts and writes `<out>/<op>.response.json`.
fn write(options: &Options, op: &str, mut answer: Value) -> Result<PathBuf, String> {
    redact(&mut answer);
    let mut text = serde_json::to_string_pretty(&answer).map_err(|e| e.to_string())?;
    text.push('\n');
    if text.contains(options.api_key.trim()) {
        return Err("the answer contains the API key; not written".into());
    }
    let path = options.out.join(format!("{op}.response.json"));
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use roistat_mock::MockServer;

    const KEY: &str = "record-KEY-9876";

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "roistat-xtask-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn records_every_read_only_operation_redacted() {
        let server = MockServer::builder()
            .api_key(KEY)
            .orders(30)
            .seed(9)
            .start()
            .unwrap();
        // `order_12345` first: its info has a client name, phones and e-mails.
        server.store().remove_order("95101");
        let info = server.store().stored_order("order_12345").unwrap();
        let personal = info
            .info
            .clone()
            .expect("the documented example has details");
        let out = temp_dir("record");
        let options = Options {
            base_url: server.base_url(),
            project: server.project(),
            api_key: KEY.into(),
            out: out.clone(),
            limit: DEFAULT_LIMIT,
        };
        let files = record(&options).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "order-list.response.json",
                "order-info.response.json",
                "order-external-url.response.json",
                "status-list.response.json",
                "order-custom-fields.response.json",
            ]
        );

        // Every recorded file passes the fixture check.
        let report = crate::fixtures::check_dir(&out).unwrap();
        assert_eq!(report.checked, 5);
        assert!(report.problems.is_empty(), "{:#?}", report.problems);

        // No key, no personal data.
        let mut secrets: Vec<String> = vec![KEY.into()];
        secrets.extend(personal.order.client_phones.iter().cloned());
        secrets.extend(personal.order.client_emails.iter().cloned());
        secrets.extend(personal.order.client_name.iter().cloned());
        let ips: Vec<String> = server
            .store()
            .orders()
            .iter()
            .filter_map(|o| o.visit.as_ref()?.ip.clone())
            .collect();
        assert!(!ips.is_empty(), "the generated visits carry IPs");
        secrets.extend(ips);
        assert!(secrets.len() > 4);
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            for s in &secrets {
                assert!(
                    !text.contains(s.as_str()),
                    "{} contains {s:?}",
                    file.display()
                );
            }
        }
        let info: Value =
            serde_json::from_slice(&std::fs::read(out.join("order-info.response.json")).unwrap())
                .unwrap();
        assert_eq!(info["order"]["id"], "order_12345");
        assert_eq!(info["order"]["client_name"], crate::redact::REDACTED);
        let list: Value =
            serde_json::from_slice(&std::fs::read(out.join("order-list.response.json")).unwrap())
                .unwrap();
        assert_eq!(
            list["data"].as_array().unwrap().len(),
            DEFAULT_LIMIT as usize
        );
        assert!(
            list["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|o| o["visit"]["ip"] == crate::redact::IPV4),
            "visits are recorded, their IPs redacted"
        );

        // What went over the wire: read-only operations only, the key in the header only.
        for rec in server.requests().all() {
            assert!(
                rec.path.ends_with("/list")
                    || rec.path.ends_with("/info")
                    || rec.path.ends_with("/external-url")
                    || rec.path.ends_with("/order-custom-fields"),
                "{}",
                rec.path
            );
            assert!(!rec.query.contains(KEY));
        }
        assert_eq!(server.requests().total(), 5);
        std::fs::remove_dir_all(&out).unwrap();
    }

    #[test]
    fn a_wrong_key_records_nothing_and_says_why() {
        let server = MockServer::builder().api_key("server-key").start().unwrap();
        let out = temp_dir("wrong-key");
        let options = Options {
            base_url: server.base_url(),
            project: server.project(),
            api_key: KEY.into(),
            out: out.clone(),
            limit: 5,
        };
        let e = record(&options).unwrap_err();
        assert!(e.contains("authentication_failed"), "{e}");
        assert!(!e.contains(KEY));
        assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
        std::fs::remove_dir_all(&out).unwrap();
    }
}
