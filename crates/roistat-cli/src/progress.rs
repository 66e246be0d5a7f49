//! A progress bar on stderr for long work, only when stderr is a terminal: piped or
//! redirected runs get nothing extra, so logs and scripts stay clean.

use std::io::{self, IsTerminal};
use std::time::Duration;

use std::fmt::Write as FmtWrite;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// A bar counting `unit`s (orders), or nothing.
#[derive(Debug)]
pub struct Progress(Option<ProgressBar>);

impl Progress {
    /// A bar if stderr is a terminal, else a no-op.
    pub fn new(unit: &str) -> Self {
        if !io::stderr().is_terminal() {
            return Self(None);
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let template = format!(
            "{{spinner}} {{human_pos}}/{{human_len}} {unit} {{bar:40}} {{rate}} eta {{eta}}"
        );
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(
                style.with_key("rate", |state: &ProgressState, w: &mut dyn FmtWrite| {
                    let _ = write!(w, "{:.0}/s", state.per_sec());
                }),
            );
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        Self(Some(bar))
    }

    /// Sets the expected total.
    pub fn set_total(&self, total: u64) {
        if let Some(b) = &self.0 {
            b.set_length(total);
        }
    }

    /// Sets how many are done.
    pub fn set_done(&self, done: u64) {
        if let Some(b) = &self.0 {
            b.set_position(done);
        }
    }

    /// Runs `f` with the bar hidden, so stdout on the same terminal is not garbled.
    pub fn suspend<T>(&self, f: impl FnOnce() -> T) -> T {
        match &self.0 {
            Some(b) => b.suspend(f),
            None => f(),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
