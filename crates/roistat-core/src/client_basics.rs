//! What every client built on [`Engine`](crate::Engine) has besides its operations,
//! written once for both: `FromEngine`, `Debug` (the key redacted), `builder`, `from_env`, `engine`,
//! `cancel_handle` and `with_cancel_handle`.

/// Implements the basics for a client struct `$client { engine: Engine, $agent: A }`
/// (`A: Clone`), whose agent `$make` (`fn(&Engine) -> Result<A, Error>`) builds. Used by
/// `roistat-blocking` and `roistat-async`.
#[doc(hidden)]
#[macro_export]
macro_rules! client_basics {
    ($client:ident, $agent:ident = $make:expr) => {
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
