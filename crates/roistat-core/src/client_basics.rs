//! What every client built on [`Engine`](crate::Engine) has besides its operations,
//! written once for both: `FromEngine`, `Debug` (the key redacted), `builder`, `from_env`, `engine`,
//! `cancel_handle` and `with_cancel_handle`.

/// Implements the basics for a client struct `$client { engine: Engine, $agent: A }`
/// (`A: Clone`), whose agent `$make` (`fn(&Engine) -> Result<A, Error>`) builds, and
/// whose bulk upload is `$bulk<'a>` (with `$bulk::new(client, orders, batch_size)`). Used
/// by `roistat-blocking` and `roistat-async`.
#[doc(hidden)]
#[macro_export]
macro_rules! client_basics {
    ($client:ident, $agent:ident = $make:expr, $bulk:ident) => {
        impl $crate::FromEngine for $client {
            fn from_engine(engine: $crate::Engine) -> ::std::result::Result<Self, $crate::Error> {
                let $agent = ($make)(&engine)?;
                Ok(Self { engine, $agent })
            }
        }

        impl ::std::fmt::Debug for $client {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                // The engine's Debug redacts the key.
                f.debug_struct(stringify!($client))
                    .field("engine", &self.engine)
                    .finish_non_exhaustive()
            }
        }

        impl $client {
            /// Starts building a client: project and API key are required; timeouts,
            /// retries, rate limits, strict decoding, a cancel handle and a wait
            /// observer are optional.
            pub fn builder() -> $crate::ClientBuilder<$client> {
                $crate::ClientBuilder::new()
            }

            /// A client from `ROISTAT_API_KEY`, `ROISTAT_PROJECT` and (optionally)
            /// `ROISTAT_BASE_URL`, with default settings.
            pub fn from_env() -> ::std::result::Result<Self, $crate::Error> {
                Self::builder()
                    .env_with(|k| ::std::env::var(k).ok())?
                    .build()
            }

            /// The configuration, policy and shared state the client runs on.
            pub fn engine(&self) -> &$crate::Engine {
                &self.engine
            }

            /// The handle that cancels this client's calls: every wait (rate-limit
            /// slot, backoff, `request_limit_error`) ends at once with
            /// [`Error::Cancelled`]($crate::Error::Cancelled). Trigger it from another
            /// thread or a Ctrl-C handler.
            pub fn cancel_handle(&self) -> &$crate::CancelHandle {
                self.engine.cancel_handle()
            }

            /// Uploads deals in batches of `batch_size`, one request per batch, handing out
            /// each batch's outcome as it completes (see the `BulkUpload` type for an
            /// example); stop taking outcomes to stop uploading.
            pub fn add_orders_in_batches<'a>(
                &self,
                orders: &'a [$crate::types::NewOrder],
                batch_size: usize,
            ) -> $bulk<'a> {
                $bulk::new(self.clone(), orders, batch_size)
            }

            /// A clone on another engine of the same client (a walk counts its refusals).
            #[allow(dead_code)]
            pub(crate) fn with_engine(&self, engine: $crate::Engine) -> Self {
                Self {
                    engine,
                    $agent: self.$agent.clone(),
                }
            }

            /// A clone of this client (same connection pool, same limiter) whose calls
            /// `cancel` stops, leaving the other clones running.
            #[must_use]
            pub fn with_cancel_handle(&self, cancel: $crate::CancelHandle) -> Self {
                Self {
                    engine: self.engine.with_cancel_handle(cancel),
                    $agent: self.$agent.clone(),
                }
            }
        }
    };
}

/// Implements the walk options of a client's order iterator or stream `$orders`, which
/// has `fn config(self, f: impl FnOnce(WalkConfig) -> WalkConfig) -> Self`.
#[doc(hidden)]
#[macro_export]
macro_rules! walk_options {
    ($orders:ident) => {
        impl $orders {
            /// Sets the page size (the request's `limit` otherwise, or the fastest size
            /// for the documented tiers, up to 5,000 or the server's learned cap). Call
            /// before the first order.
            pub fn page_size(self, size: u32) -> Self {
                self.config(|c| c.page_size(size))
            }

            /// Stops after `n` orders. Call before the first order.
            pub fn max_orders(self, n: u64) -> Self {
                self.config(|c| c.max_orders(n))
            }

            /// How many pages may be in flight at once (default 4; 1 fetches one page at
            /// a time). The rate limiter still decides when each is sent. Call before
            /// the first order.
            pub fn max_in_flight(self, pages: usize) -> Self {
                self.config(|c| c.max_in_flight(pages))
            }

            /// Replaces every walk option at once (page size, pages in flight, overlap,
            /// `max_orders`). Call before the first order.
            pub fn with_config(self, config: $crate::WalkConfig) -> Self {
                self.config(|_| config)
            }
        }
    };
}
