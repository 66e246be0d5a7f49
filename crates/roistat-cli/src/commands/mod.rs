//! The commands, one module per noun. Each takes the connection and the resolved
//! output format and writes data to stdout, messages to stderr.

pub mod fields;
pub mod import;
pub mod orders;
pub mod statuses;
pub mod sync;

use roistat_types::OrderId;

use crate::api::Api;
use crate::cli::{Command, FieldsCommand, Format, OrdersCommand, StatusesCommand};
use crate::error::CliError;

/// Runs `command`.
pub fn run(api: &Api, command: &Command, format: Format) -> Result<(), CliError> {
    match command {
        Command::Orders(c) => match c {
            OrdersCommand::List(args) => orders::list(api, args, format),
            OrdersCommand::Info { id } => orders::info(api, &order_id(id)?, format),
            OrdersCommand::Url { id } => orders::url(api, &order_id(id)?, format),
            OrdersCommand::Import(args) => import::run(api, args, format),
            OrdersCommand::SetStatus { id, status_id } => {
                orders::set_status(api, &order_id(id)?, status_id, format)
            }
            OrdersCommand::Delete { id, yes } => orders::delete(api, &order_id(id)?, *yes, format),
            OrdersCommand::Summary(args) => orders::summary(api, args, format),
            OrdersCommand::Sync(args) => sync::run(api, args, format),
        },
        Command::Statuses(c) => match c {
            StatusesCommand::List => statuses::list(api, format),
            StatusesCommand::Set { file, yes } => statuses::set(api, file, *yes, format),
            StatusesCommand::Upsert { id, name, r#type } => {
                statuses::upsert(api, id, name, r#type, format)
            }
        },
        Command::Fields(FieldsCommand::List) => fields::list(api, format),
    }
}

fn order_id(id: &str) -> Result<OrderId, CliError> {
    OrderId::new(id).map_err(|e| CliError::usage(e.to_string()))
}

/// Reads FILE, or stdin for `-`.
pub fn read_input(path: &std::path::Path) -> Result<(String, String), CliError> {
    use std::io::Read;
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::io("reading stdin", e))?;
        Ok((s, "stdin".to_owned()))
    } else {
        let name = path.display().to_string();
        let s = std::fs::read_to_string(path)
            .map_err(|e| CliError::io(format!("reading {name}"), e))?;
        Ok((s, name))
    }
}
