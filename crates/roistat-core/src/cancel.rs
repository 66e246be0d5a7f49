//! Cancelling a client's calls from another thread or a Ctrl-C handler.
//!
//! A [`CancelHandle`] is a shared flag that every wait of a call honours: rate-limit
//! slots, retry backoff and waits after `request_limit_error`. A cancelled call ends
//! with [`Error::Cancelled`](crate::Error::Cancelled), which says whether an earlier
//! attempt may have been processed. An attempt already on the wire finishes (bounded by
//! the attempt timeout); async callers can also simply drop the future.
//!
//! The blocking client waits on [`CancelHandle::wait_timeout`], the async one races its
//! sleep against [`CancelHandle::cancelled`]; both live here once, with no I/O.
//!
//! ```
//! use std::time::Duration;
//! use roistat_core::CancelHandle;
//!
//! let cancel = CancelHandle::new();
//! let remote = cancel.clone();
//! std::thread::spawn(move || remote.cancel());
//! // Returns as soon as the other thread cancels, long before the hour is up.
//! assert!(cancel.wait_timeout(Duration::from_secs(3600)));
//! assert!(cancel.is_cancelled());
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

/// A shared cancellation flag (see the [module docs](self)). Clones share the flag.
#[derive(Clone, Default)]
pub struct CancelHandle {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    cancelled: AtomicBool,
    wakers: Mutex<Vec<Waker>>,
    condvar: Condvar,
}

impl fmt::Debug for CancelHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelHandle")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

impl CancelHandle {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the flag and wakes every waiter, blocking and async. Safe to call from a
    /// signal-handling thread (it takes a short lock, never blocks on I/O).
    pub fn cancel(&self) {
        self.inner.cancelled.store(true, Ordering::SeqCst);
        let wakers = std::mem::take(&mut *self.lock());
        self.inner.condvar.notify_all();
        for waker in wakers {
            waker.wake();
        }
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancelled.load(Ordering::SeqCst)
    }

    /// Blocks for `timeout` or until cancelled; `true` if cancelled.
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        let deadline = Instant::now().checked_add(timeout);
        let mut guard = self.lock();
        loop {
            if self.is_cancelled() {
                return true;
            }
            let left = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()),
                None => Duration::from_secs(3600),
            };
            if left.is_zero() {
                return false;
            }
            guard = self
                .inner
                .condvar
                .wait_timeout(guard, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|e| e.into_inner().0);
        }
    }

    /// A future that completes once the flag is set.
    pub fn cancelled(&self) -> Cancelled {
        Cancelled {
            handle: self.clone(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Waker>> {
        // The list is only pushed to and drained: a panic while holding it leaves it
        // consistent.
        self.inner
            .wakers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The future of [`CancelHandle::cancelled`].
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Cancelled {
    handle: CancelHandle,
}

impl Future for Cancelled {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.handle.is_cancelled() {
            return Poll::Ready(());
        }
        let mut wakers = self.handle.lock();
        // Checked again under the lock: `cancel` sets the flag before draining.
        if self.handle.is_cancelled() {
            return Poll::Ready(());
        }
        if !wakers.iter().any(|w| w.will_wake(cx.waker())) {
            wakers.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_without_cancel_runs_out() {
        let c = CancelHandle::new();
        assert!(!c.wait_timeout(Duration::from_millis(5)));
        assert!(!c.is_cancelled());
        c.cancel();
        assert!(c.wait_timeout(Duration::from_secs(3600)));
    }

    #[test]
    fn the_future_wakes_on_cancel() {
        struct Flag(std::sync::atomic::AtomicBool);
        impl std::task::Wake for Flag {
            fn wake(self: Arc<Self>) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let flag = Arc::new(Flag(AtomicBool::new(false)));
        let waker = Waker::from(Arc::clone(&flag));
        let mut cx = Context::from_waker(&waker);
        let c = CancelHandle::new();
        let mut fut = c.cancelled();
        assert!(Pin::new(&mut fut).poll(&mut cx).is_pending());
        c.clone().cancel();
        assert!(flag.0.load(Ordering::SeqCst), "the waker was woken");
        assert!(Pin::new(&mut fut).poll(&mut cx).is_ready());
    }
}
