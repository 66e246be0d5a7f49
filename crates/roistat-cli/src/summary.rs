//! `orders summary`: counts and revenue per group, folded page by page (only the
//! groups are kept, never the orders), shown with proportional bars.

use std::collections::HashMap;

use roistat_types::Order;
use serde::Serialize;

use crate::cli::GroupBy;
use crate::output::text::{self, Column, Table};

/// The width of the longest bar, in cells.
const BAR_WIDTH: usize = 30;

/// One group's totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The group's name: a status name, `2024-03`, a field value.
    pub group: String,
    /// Orders in it.
    pub orders: u64,
    /// Their revenue.
    pub revenue: f64,
}

/// The running summary.
#[derive(Debug)]
pub struct Summary {
    by: GroupBy,
    groups: HashMap<String, (u64, f64)>,
}

impl Summary {
    /// An empty summary.
    pub fn new(by: GroupBy) -> Self {
        Self {
            by,
            groups: HashMap::new(),
        }
    }

    /// Counts a page of orders.
    pub fn add(&mut self, orders: &[Order]) {
        for o in orders {
            let key = self.key(o);
            let entry = self.groups.entry(key).or_insert((0, 0.0));
            entry.0 += 1;
            entry.1 += o.revenue.unwrap_or(0.0);
        }
    }

    fn key(&self, o: &Order) -> String {
        match &self.by {
            GroupBy::Status => match &o.status {
                Some(s) if !s.name.is_empty() => s.name.clone(),
                Some(s) => s.id.to_string(),
                None => "(no status)".to_owned(),
            },
            GroupBy::Month => match o.creation_date {
                Some(d) => format!("{:04}-{:02}", d.year(), u8::from(d.month())),
                None => "(no date)".to_owned(),
            },
            GroupBy::Custom(name) => o
                .custom_fields
                .get_string(name)
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "(empty)".to_owned()),
        }
    }

    /// What the groups are: `status`, `month`, `custom:NAME`.
    pub fn by_label(&self) -> String {
        match &self.by {
            GroupBy::Status => "status".to_owned(),
            GroupBy::Month => "month".to_owned(),
            GroupBy::Custom(name) => format!("custom:{name}"),
        }
    }

    /// The column title of the groups.
    pub fn title(&self) -> String {
        match &self.by {
            GroupBy::Status => "STATUS".to_owned(),
            GroupBy::Month => "MONTH".to_owned(),
            GroupBy::Custom(name) => name.to_uppercase(),
        }
    }

    /// The groups: months in calendar order, others by orders (most first), then name.
    pub fn groups(&self) -> Vec<Group> {
        let mut out: Vec<Group> = self
            .groups
            .iter()
            .map(|(k, (n, r))| Group {
                group: k.clone(),
                orders: *n,
                revenue: cents(*r),
            })
            .collect();
        match self.by {
            GroupBy::Month => out.sort_by(|a, b| a.group.cmp(&b.group)),
            _ => out.sort_by(|a, b| b.orders.cmp(&a.orders).then(a.group.cmp(&b.group))),
        }
        out
    }

    /// The totals over every group.
    pub fn total(&self) -> Group {
        Group {
            group: "TOTAL".to_owned(),
            orders: self.groups.values().map(|g| g.0).sum(),
            revenue: cents(self.groups.values().map(|g| g.1).sum()),
        }
    }

    /// The table: group, orders, share of orders, revenue, and a bar by orders.
    pub fn render(&self) -> String {
        let groups = self.groups();
        let total = self.total();
        let widest = groups.iter().map(|g| g.orders).max().unwrap_or(0) as f64;
        let share = |n: u64| {
            if total.orders == 0 {
                "-".to_owned()
            } else {
                format!("{:.1}%", n as f64 * 100.0 / total.orders as f64)
            }
        };
        let mut rows: Vec<Vec<String>> = groups
            .iter()
            .map(|g| {
                vec![
                    g.group.clone(),
                    text::count(g.orders),
                    share(g.orders),
                    text::money(g.revenue),
                    text::bar(g.orders as f64, widest, BAR_WIDTH),
                ]
            })
            .collect();
        rows.push(vec![
            total.group.clone(),
            text::count(total.orders),
            share(total.orders),
            text::money(total.revenue),
            String::new(),
        ]);
        Table::new(vec![
            Column::text(self.title(), 40),
            Column::number("ORDERS"),
            Column::number("SHARE"),
            Column::number("REVENUE"),
            Column::text("", BAR_WIDTH),
        ])
        .render(&rows)
    }
}

/// Sums of prices pick up float noise (`11013019.559999999`): report cents.
fn cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use roistat_types::{OrderId, Status, StatusId, StatusType};

    fn order(status: &str, revenue: f64, month: u8) -> Order {
        let mut o = Order::new(OrderId::new_unchecked("1"));
        o.status = Some(Status::new(
            StatusId::new_unchecked("s"),
            status,
            StatusType::Paid,
        ));
        o.revenue = Some(revenue);
        o.creation_date = roistat_types::date::parse(&format!("2024-{month:02}-10")).ok();
        o
    }

    #[test]
    fn groups_and_totals() {
        let mut s = Summary::new(GroupBy::Status);
        s.add(&[order("Won", 100.0, 1), order("Lost", 0.0, 2)]);
        s.add(&[order("Won", 50.5, 3)]);
        let g = s.groups();
        assert_eq!(g[0].group, "Won");
        assert_eq!((g[0].orders, g[0].revenue), (2, 150.5));
        assert_eq!(s.total().orders, 3);
        let table = s.render();
        assert!(table.contains("TOTAL"), "{table}");
        let mut m = Summary::new(GroupBy::Month);
        m.add(&[order("a", 1.0, 3), order("a", 1.0, 1)]);
        let months: Vec<String> = m.groups().into_iter().map(|g| g.group).collect();
        assert_eq!(months, ["2024-01", "2024-03"]);
    }
}
