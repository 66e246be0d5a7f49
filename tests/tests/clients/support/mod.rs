//! What the scenarios share: the two-client driver and the raw TCP servers.

pub mod api;
pub mod raw;

pub use api::{Api, block_on, builder, mock_client};

/// Runs each listed scenario, an `async fn name<C: Api>()` of the calling module, once
/// per client: `blocking::name` under `#[test]` and `asynchronous::name` under
/// `#[tokio::test]`. One definition, two drivers, one binary.
macro_rules! both_clients {
    ($($name:ident),* $(,)?) => {
        mod blocking {
            $(
                #[test]
                fn $name() {
                    crate::support::block_on(super::$name::<roistat_blocking::Client>());
                }
            )*
        }
        mod asynchronous {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name::<roistat_async::Client>().await;
                }
            )*
        }
    };
}
pub(crate) use both_clients;
