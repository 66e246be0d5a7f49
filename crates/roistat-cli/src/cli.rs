//! The command line: every command, option and environment variable, as clap types.
//!
//! Values are parsed into the SDK's own types here (filters, dates, status types), so a
//! typo is a usage error (exit 2) before any request is made.

use std::path::PathBuf;

use clap::builder::TypedValueParser;
use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand, ValueEnum};
use roistat_core::ApiKey;
use roistat_types::{Filter, ProjectId, StatusFunnel, StatusType};
use time::OffsetDateTime;

/// Export, import and manage the orders and statuses of a Roistat project.
#[derive(Debug, Parser)]
#[command(
    name = "roistat",
    version,
    about = "Export, import and manage the orders and statuses of a Roistat project",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Project number (or set ROISTAT_PROJECT).
    #[arg(long, global = true, env = "ROISTAT_PROJECT", value_name = "N",
          value_parser = parse_project, help_heading = GLOBAL)]
    pub project: Option<ProjectId>,

    /// API key (or set ROISTAT_API_KEY). Never printed, at any verbosity.
    #[arg(
        long,
        global = true,
        env = "ROISTAT_API_KEY",
        hide_env_values = true,
        value_name = "KEY",
        value_parser = ApiKeyParser,
        help_heading = GLOBAL
    )]
    pub api_key: Option<ApiKey>,

    /// API root (or set ROISTAT_BASE_URL) [default: https://cloud.roistat.com/api/v1].
    #[arg(long, global = true, env = "ROISTAT_BASE_URL", value_name = "URL", help_heading = GLOBAL)]
    pub base_url: Option<String>,

    // Keep in step with `demo::ORDERS`, `demo::SEED` and `demo::MINUTE`.
    /// Use a built-in fake Roistat server on 127.0.0.1 instead (no account or key needed):
    /// 25,000 generated orders (seed 1) plus the documented examples, Roistat's rate
    /// limits enforced with a "minute" of 0.5 s so the demo stays quick.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub demo: bool,

    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, global = true, value_enum, value_name = "FORMAT", help_heading = GLOBAL)]
    pub format: Option<Format>,

    /// With --format csv: start every cell that begins with =, +, -, @, a tab or a carriage
    /// return with a single quote ('), so a spreadsheet opening the file shows it as text
    /// instead of running it as a formula (CSV injection from order data). Plain numbers
    /// such as -1500 stay as they are. Off by default: for other programs the quote is
    /// part of the value.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub csv_safe: bool,

    /// Stop with an error (exit 4) at the first order that could only be read in part,
    /// instead of delivering it with what could be read and naming it at the end.
    #[arg(long, global = true, help_heading = GLOBAL)]
    pub strict: bool,

    /// Log to stderr: -v for requests, -vv for details, -vvv for everything.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, help_heading = GLOBAL)]
    pub verbose: u8,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The help section of the options every command takes.
const GLOBAL: &str = "Global options";

const AFTER_HELP: &str = "\
Exit codes: 0 success, 1 Roistat answered an error, 2 usage, invalid input or a local \
file problem, 3 network error or timeout, 4 an answer that could not be decoded, \
130 interrupted (Ctrl-C).

Try it without an account: roistat --demo orders list --all";

/// The output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// An aligned, human-readable table.
    Table,
    /// JSON (lists are one array, streamed as they arrive).
    Json,
    /// One JSON value per line.
    Ndjson,
    /// CSV with a header row.
    Csv,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Orders (deals): list, export, import, inspect, change.
    #[command(subcommand)]
    Orders(OrdersCommand),
    /// The project's status dictionary.
    #[command(subcommand)]
    Statuses(StatusesCommand),
    /// Custom order fields.
    #[command(subcommand)]
    Fields(FieldsCommand),
}

/// `roistat orders ...`
#[derive(Debug, Subcommand)]
pub enum OrdersCommand {
    /// List orders: one page, or every page with --all.
    List(ListArgs),
    /// Everything about one order: visits, products, fields.
    Info {
        /// The order id.
        id: String,
    },
    /// The order's URL in the CRM.
    Url {
        /// The order id.
        id: String,
    },
    /// Upload orders from a JSON array (add-orders format) or a CSV file.
    Import(ImportArgs),
    /// Change an order's status.
    SetStatus {
        /// The order id.
        id: String,
        /// A status id of the dictionary (see `roistat statuses list`).
        status_id: String,
    },
    /// Delete an order (needs --yes).
    Delete {
        /// The order id.
        id: String,
        /// Really delete it.
        #[arg(long)]
        yes: bool,
    },
    /// Counts and revenue per status, month or custom field, with bars.
    Summary(SummaryArgs),
    /// Keep a local SQLite mirror of the orders, incrementally (see roistat-sync).
    Sync(crate::commands::sync::SyncArgs),
}

/// Which orders: the filters shared by `list` and `summary`.
#[derive(Debug, Args)]
pub struct FilterArgs {
    /// A filter such as "revenue >= 1000" or "id in 1,2,3" (repeat to and them).
    #[arg(long = "where", value_name = "EXPR", value_parser = parse_filter)]
    pub where_: Vec<Filter>,

    /// Only orders whose status is in this funnel.
    #[arg(long, value_enum, value_name = "FUNNEL")]
    pub status: Option<FunnelArg>,

    /// Created at or after DATE (2024-01-31, "2024-01-31 12:00", RFC 3339, UTC by default).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub since: Option<OffsetDateTime>,

    /// Created before DATE (exclusive).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub until: Option<OffsetDateTime>,
}

impl FilterArgs {
    /// The filters, and-ed; `None` for every order.
    pub fn to_filter(&self) -> Option<Filter> {
        let mut all: Vec<Filter> = self.where_.clone();
        if let Some(funnel) = self.status {
            all.push(Filter::status(funnel.into()));
        }
        if let Some(since) = self.since {
            all.push(Filter::creation_date().ge(since));
        }
        if let Some(until) = self.until {
            all.push(Filter::creation_date().lt(until));
        }
        match all.len() {
            0 => None,
            // A lone filter goes as is: an `and` of one condition has upset Roistat.
            1 => all.pop(),
            _ => Some(Filter::all(all)),
        }
    }
}

/// The status funnels of the order-list filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FunnelArg {
    /// Statuses of the "in work" funnel (unused and progress types).
    InWork,
    /// Paid statuses.
    Paid,
    /// Canceled statuses.
    #[value(alias = "cancelled")]
    Canceled,
}

impl From<FunnelArg> for StatusFunnel {
    fn from(f: FunnelArg) -> Self {
        match f {
            FunnelArg::InWork => StatusFunnel::InWork,
            FunnelArg::Paid => StatusFunnel::Paid,
            FunnelArg::Canceled => StatusFunnel::Canceled,
        }
    }
}

/// `roistat orders list`
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Which orders.
    #[command(flatten)]
    pub filter: FilterArgs,

    /// Embed each order's visit (Roistat allows fewer requests per minute then).
    #[arg(long)]
    pub with_visits: bool,

    /// How many orders to fetch (else Roistat's default page); with --all, the page
    /// size (default 1000, the fastest under the rate limits).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: Option<u32>,

    /// Skip this many matching orders.
    #[arg(long, value_name = "N")]
    pub offset: Option<u64>,

    /// Every matching order, page by page under the rate limit, printed as it arrives.
    #[arg(long)]
    pub all: bool,

    /// Add a column with this custom field (repeatable; csv and table).
    #[arg(long = "custom-field", value_name = "NAME")]
    pub custom_fields: Vec<String>,
}

/// `roistat orders import`
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A JSON array in the add-orders format, or CSV with a header (id, name,
    /// date_create, status, roistat, price, cost; any other column is a custom field);
    /// `-` reads stdin.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Orders per request.
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batch_size: u32,

    /// Send the valid rows and skip the invalid ones (they are still reported).
    #[arg(long)]
    pub skip_invalid: bool,

    /// Start with this batch (1-based), to resume an interrupted import.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub from_batch: u32,

    /// Force the input format instead of guessing from the content.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormat>,
}

/// Import file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InputFormat {
    /// A JSON array of add-orders objects.
    Json,
    /// CSV with a header row.
    Csv,
}

/// `roistat orders summary`
#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// Which orders.
    #[command(flatten)]
    pub filter: FilterArgs,

    /// Group by status, month (of creation) or custom:NAME (a custom field).
    #[arg(long, value_name = "GROUP", default_value = "status", value_parser = parse_group)]
    pub by: GroupBy,
}

/// What a summary groups by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupBy {
    /// The order's status.
    Status,
    /// The month the order was created (UTC).
    Month,
    /// A custom field's value.
    Custom(String),
}

/// `roistat statuses ...`
#[derive(Debug, Subcommand)]
pub enum StatusesCommand {
    /// The status dictionary.
    List,
    /// Replace the WHOLE dictionary with FILE (JSON array or CSV id,name,type): statuses
    /// missing from FILE are deleted. Needs --yes.
    Set {
        /// JSON array of {"id","name","type"} or CSV with a header id,name,type; `-` for stdin.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Really replace the dictionary.
        #[arg(long)]
        yes: bool,
    },
    /// Add a status or rename one, keeping every other status.
    Upsert {
        /// The status id.
        id: String,
        /// Its name.
        name: String,
        /// Its type: unused, progress, paid or canceled.
        #[arg(value_parser = parse_status_type)]
        r#type: StatusType,
    },
}

/// `roistat fields ...`
#[derive(Debug, Subcommand)]
pub enum FieldsCommand {
    /// The names of the project's custom order fields.
    List,
}

/// Parses `--api-key` into the SDK's [`ApiKey`], whose `Debug` never shows the key. A
/// plain `fn(&str) -> Result<_, String>` parser would not do: clap repeats the refused
/// value in its message (`invalid value 'KEY' for ...`); this one never does.
#[derive(Debug, Clone, Copy)]
struct ApiKeyParser;

impl TypedValueParser for ApiKeyParser {
    type Value = ApiKey;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<ApiKey, clap::Error> {
        let refused = |why: &str| {
            clap::Error::raw(
                ErrorKind::ValueValidation,
                format!("--api-key/ROISTAT_API_KEY: {why} (the key is not shown)\n"),
            )
            .with_cmd(cmd)
        };
        let text = value
            .to_str()
            .ok_or_else(|| refused("the key is not valid UTF-8"))?;
        ApiKey::new(text).map_err(|e| match e {
            roistat_core::Error::Config { message } => refused(&message),
            other => refused(&other.to_string()),
        })
    }
}

fn parse_project(s: &str) -> Result<ProjectId, String> {
    s.parse::<ProjectId>().map_err(|e| e.to_string())
}

fn parse_filter(s: &str) -> Result<Filter, String> {
    s.parse::<Filter>().map_err(|e| e.to_string())
}

fn parse_date(s: &str) -> Result<OffsetDateTime, String> {
    roistat_types::date::parse(s).map_err(|e| e.to_string())
}

fn parse_status_type(s: &str) -> Result<StatusType, String> {
    s.parse::<StatusType>().map_err(|e| e.to_string())
}

fn parse_group(s: &str) -> Result<GroupBy, String> {
    match s {
        "status" => Ok(GroupBy::Status),
        "month" => Ok(GroupBy::Month),
        _ => match s.strip_prefix("custom:") {
            Some(name) if !name.trim().is_empty() => Ok(GroupBy::Custom(name.to_owned())),
            _ => Err("expected status, month or custom:NAME".to_owned()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_valid() {
        Cli::command().debug_assert();
    }

    #[test]
    fn filters_combine() {
        let cli = Cli::try_parse_from([
            "roistat",
            "orders",
            "list",
            "--where",
            "revenue >= 1000",
            "--status",
            "paid",
            "--since",
            "2024-01-01",
        ])
        .unwrap();
        let Command::Orders(OrdersCommand::List(args)) = cli.command else {
            panic!("not a list");
        };
        assert_eq!(
            args.filter.to_filter().unwrap().to_string(),
            "revenue >= 1000 and status = paid and creation_date >= 2024-01-01T00:00:00+0000"
        );
    }

    #[test]
    fn the_api_key_is_never_in_debug_output() {
        let cli = Cli::try_parse_from([
            "roistat",
            "--api-key",
            "s3cr3t-k3y-9f2",
            "--project",
            "7",
            "fields",
            "list",
        ])
        .unwrap();
        let debug = format!("{cli:?}");
        assert!(!debug.contains("s3cr3t-k3y-9f2"), "{debug}");
        assert!(debug.contains("ApiKey(***)"), "{debug}");
        assert_eq!(
            cli.api_key.as_ref().map(ApiKey::expose_secret),
            Some("s3cr3t-k3y-9f2")
        );
        // A refused key is not repeated in clap's message either.
        let err = Cli::try_parse_from(["roistat", "--api-key", "ключ-s3cr3t", "fields", "list"])
            .unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(text.contains("--api-key"), "{text}");
    }

    #[test]
    fn groups_parse() {
        assert_eq!(
            parse_group("custom:City"),
            Ok(GroupBy::Custom("City".into()))
        );
        assert!(parse_group("custom:").is_err());
        assert!(parse_group("weekday").is_err());
    }
}
