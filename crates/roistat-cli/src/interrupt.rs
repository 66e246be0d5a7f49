//! Ctrl-C: the first press asks long work (`--all`, `import`, `summary`) to stop after
//! the current request, so the output stays valid and nothing is sent twice on a rerun;
//! a second press quits at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::EXIT_INTERRUPTED;

/// A shared "stop requested" flag.
#[derive(Debug, Clone, Default)]
pub struct Interrupt(Arc<AtomicBool>);

impl Interrupt {
    /// A flag nothing sets (for commands that are one request: Ctrl-C kills them).
    pub fn none() -> Self {
        Self::default()
    }

    /// A flag set by Ctrl-C. Falls back to [`Interrupt::none`] (Ctrl-C then kills the
    /// process as usual) if a handler cannot be installed.
    pub fn install() -> Self {
        let flag = Self::default();
        let inner = Arc::clone(&flag.0);
        let installed = ctrlc::set_handler(move || {
            if inner.swap(true, Ordering::SeqCst) {
                // Second press: the user means it.
                std::process::exit(EXIT_INTERRUPTED);
            }
            eprintln!("\nstopping after the current request (Ctrl-C again to quit at once)");
        });
        if let Err(e) = installed {
            tracing::warn!("cannot handle Ctrl-C: {e}");
        }
        flag
    }

    /// Whether a stop was requested.
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}
