//! Redacting personal data from recorded answers, keeping their shape (a redacted
//! phone is still a string, so the fixture still decodes).
//!
//! Two passes in one walk:
//! - by key: `client_name`, `client_phones`, `client_emails`, `ip`, the deal's `title`,
//!   and, inside free-form field maps (`custom_fields`, `fields_data`, `fields`), any
//!   key that names a person or a contact (`Name`, `Телефон`, `Email`, `Manager`...);
//! - by value, everywhere: strings that are an e-mail address, contain one, look like a
//!   phone number, or are an IP address.

use std::net::IpAddr;

use serde_json::Value;

/// What a redacted free-text value becomes.
pub const REDACTED: &str = "[redacted]";
/// What a redacted phone becomes.
pub const PHONE: &str = "+70000000000";
/// What a redacted e-mail address becomes.
pub const EMAIL: &str = "redacted@example.com";
/// What a redacted IPv4 address becomes (TEST-NET-1).
pub const IPV4: &str = "192.0.2.1";
/// What a redacted IPv6 address becomes (documentation prefix).
pub const IPV6: &str = "2001:db8::1";

/// Redacts `value` in place.
pub fn redact(value: &mut Value) {
    walk(value, "", false);
}

/// Maps whose keys are chosen by the CRM's users, not by Roistat.
fn is_free_map(key: &str) -> bool {
    matches!(key, "custom_fields" | "fields_data" | "fields")
}

/// A user-chosen field name that suggests personal data.
fn is_personal_field(key: &str) -> bool {
    const WORDS: [&str; 22] = [
        "name",
        "имя",
        "фио",
        "фамил",
        "phone",
        "тел",
        "mail",
        "почт",
        "contact",
        "контакт",
        "address",
        "адрес",
        "client",
        "клиент",
        "manager",
        "менеджер",
        "responsible",
        "ответствен",
        "passport",
        "паспорт",
        "birth",
        "рожд",
    ];
    key != "status_name" && WORDS.iter().any(|w| key.contains(w))
}

fn walk(value: &mut Value, parent: &str, free: bool) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let k = key.to_lowercase();
                match k.as_str() {
                    "client_name" => replace_strings(child, REDACTED),
                    "client_phones" => replace_strings(child, PHONE),
                    "client_emails" => replace_strings(child, EMAIL),
                    "ip" => redact_ip(child),
                    "title" if parent == "order" => replace_strings(child, REDACTED),
                    _ if free && is_personal_field(&k) => replace_any(child),
                    _ => walk(child, &k, free || is_free_map(&k)),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(item, parent, free);
            }
        }
        Value::String(s) => {
            if let Some(replacement) = redact_text(s) {
                *s = replacement.to_string();
            }
        }
        Value::Number(n) if free && looks_like_phone(&n.to_string()) => {
            *value = Value::from(0);
        }
        _ => {}
    }
}

/// Every string inside `value` becomes `with` (null, numbers and shape stay).
fn replace_strings(value: &mut Value, with: &str) {
    match value {
        Value::String(s) => *s = with.to_string(),
        Value::Array(items) => items.iter_mut().for_each(|i| replace_strings(i, with)),
        Value::Object(map) => map.values_mut().for_each(|v| replace_strings(v, with)),
        _ => {}
    }
}

/// A personal free-form field: strings become [`REDACTED`], numbers 0.
fn replace_any(value: &mut Value) {
    match value {
        Value::String(s) => *s = REDACTED.to_string(),
        Value::Number(_) => *value = Value::from(0),
        Value::Array(items) => items.iter_mut().for_each(replace_any),
        Value::Object(map) => map.values_mut().for_each(replace_any),
        _ => {}
    }
}

fn redact_ip(value: &mut Value) {
    if let Value::String(s) = value {
        *s = match s.trim().parse::<IpAddr>() {
            Ok(IpAddr::V6(_)) => IPV6,
            _ => IPV4,
        }
        .to_string();
    }
}

/// The replacement for a string that is (or contains) personal data.
fn redact_text(s: &str) -> Option<&'static str> {
    let t = s.trim();
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Some(if ip.is_ipv4() { IPV4 } else { IPV6 });
    }
    if is_email(t) {
        return Some(EMAIL);
    }
    if t.split(|c: char| c.is_whitespace() || "<>,;()\"'".contains(c))
        .any(is_email)
    {
        return Some(REDACTED);
    }
    if looks_like_phone(t) {
        return Some(PHONE);
    }
    None
}

/// `local@domain.tld`, nothing else.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !local.contains(['/', ':', '?'])
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
}

/// `+7 (999) 123-45-67`, `+79991234567`, `89991234567`: 10 to 15 digits with a `+` or
/// phone punctuation, or exactly 11 digits starting with 7 or 8.
fn looks_like_phone(s: &str) -> bool {
    let t = s.trim();
    if t.is_empty()
        || !t
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        return false;
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    let formatted = t.starts_with('+') || t.contains(['(', ')', ' ', '-']);
    let plain_ru = digits.len() == 11 && (digits.starts_with('7') || digits.starts_with('8'));
    (10..=15).contains(&digits.len()) && (formatted || plain_ru) && t.matches('.').count() == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn personal_data_goes_shapes_stay() {
        let mut v = json!({
            "order": {
                "id": "order_12345",
                "title": "Ivan Petrov's deal",
                "client_name": "Ivan Petrov",
                "client_phones": ["+7 (999) 123-45-67", "89991234567"],
                "client_emails": ["ivan@example.ru"],
                "client_id": "817",
                "price": 9989.728,
                "source": {"title": "VK"},
                "fields_data": {
                    "Phone": 79991234567u64,
                    "Имя клиента": "Иван",
                    "Manager": "Jack Smith",
                    "status_name": "Rejected",
                    "City": "Moscow",
                    "Comment": "call ivan@example.ru"
                },
                "visit": {"ip": "203.0.113.7", "referrer": "https://example.com/?x=1"}
            },
            "visits": [{"ip": "2001:4860::8888"}, {"ip": null}],
            "data": [{"custom_fields": {"Телефон": "+79991234567", "roistat": 4336502}}],
            "created": "2016-06-19T00:32:12+0000",
            "ts": "1650000000",
            "total": 14
        });
        redact(&mut v);
        let o = &v["order"];
        assert_eq!(o["title"], REDACTED);
        assert_eq!(o["client_name"], REDACTED);
        assert_eq!(o["client_phones"], json!([PHONE, PHONE]));
        assert_eq!(o["client_emails"], json!([EMAIL]));
        assert_eq!(o["client_id"], "817");
        assert_eq!(o["price"], 9989.728);
        assert_eq!(o["source"]["title"], "VK");
        let f = &o["fields_data"];
        assert_eq!(f["Phone"], 0);
        assert_eq!(f["Имя клиента"], REDACTED);
        assert_eq!(f["Manager"], REDACTED);
        assert_eq!(f["status_name"], "Rejected");
        assert_eq!(f["City"], "Moscow");
        assert_eq!(f["Comment"], REDACTED);
        assert_eq!(o["visit"]["ip"], IPV4);
        assert_eq!(o["visit"]["referrer"], "https://example.com/?x=1");
        assert_eq!(v["visits"], json!([{"ip": IPV6}, {"ip": null}]));
        assert_eq!(v["data"][0]["custom_fields"]["Телефон"], REDACTED);
        assert_eq!(v["data"][0]["custom_fields"]["roistat"], 4336502);
        assert_eq!(v["created"], "2016-06-19T00:32:12+0000");
        assert_eq!(v["ts"], "1650000000");
        assert_eq!(v["total"], 14);
    }

    #[test]
    fn phones_and_emails_by_value() {
        for phone in [
            "+79991234567",
            "+7 999 123 45 67",
            "8 (999) 123-45-67",
            "79991234567",
        ] {
            assert!(looks_like_phone(phone), "{phone}");
        }
        for not in [
            "1650000000",
            "4336502",
            "12.5",
            "2016-06-19",
            "",
            "+7",
            "95101",
        ] {
            assert!(!looks_like_phone(not), "{not}");
        }
        assert!(is_email("a.b@c.ru"));
        for not in ["@c.ru", "a@b", "https://user@host/x", "a b@c.ru"] {
            assert!(!is_email(not), "{not}");
        }
    }
}
