//! Ctrl-C: the first press cancels the client's waits (rate-limit slots, backoff,
//! `request_limit_error`) and asks long work (`--all`, `import`, `summary`) to stop
//! after the current request, so the output stays valid and nothing is sent twice on a
//! rerun; a second press quits at once.

use roistat_core::CancelHandle;

use crate::error::EXIT_INTERRUPTED;

/// The client's cancel handle, set by Ctrl-C.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(CancelHandle);

impl Interrupt {
    /// A handle set by Ctrl-C. Falls back to a handle nothing sets (Ctrl-C then kills
    /// the process as usual) if a handler cannot be installed.
    pub fn install() -> Self {
        let flag = Self::default();
        let cancel = flag.0.clone();
        let installed = ctrlc::set_handler(move || {
            if cancel.is_cancelled() {
                // Second press: the user means it.
                std::process::exit(EXIT_INTERRUPTED);
            }
            eprintln!("\nstopping after the current request (Ctrl-C again to quit at once)");
            cancel.cancel();
        });
        if let Err(e) = installed {
            tracing::warn!("cannot handle Ctrl-C: {e}");
        }
        flag
    }

    /// The handle to give the client.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.0.clone()
    }

    /// Whether a stop was requested.
    pub fn requested(&self) -> bool {
        self.0.is_cancelled()
    }
}
