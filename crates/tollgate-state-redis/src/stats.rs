//! Counters for metrics and health checks: what the store did, and how often Redis failed to answer.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) calls: AtomicU64,
    pub(crate) unavailable: AtomicU64,
    pub(crate) timeouts: AtomicU64,
    pub(crate) connection_errors: AtomicU64,
    pub(crate) server_errors: AtomicU64,
    pub(crate) fallbacks: AtomicU64,
    pub(crate) refusals: AtomicU64,
    pub(crate) reconnects: AtomicU64,
    pub(crate) unreadable_entries: AtomicU64,
}

/// A snapshot of a [`crate::RedisStore`]'s counters (monotonic since it was created) and link state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreStats {
    /// Whether a connection to Redis is up.
    pub up: bool,
    /// Operations sent to (or meant for) Redis.
    pub calls: u64,
    /// Operations not sent because the link was down.
    pub unavailable: u64,
    /// Operations that got no answer within the timeout.
    pub timeouts: u64,
    /// Operations that failed on a broken connection.
    pub connection_errors: u64,
    /// Operations Redis answered with an error.
    pub server_errors: u64,
    /// Failed operations answered by the per-node fallback (on-error=open).
    pub fallbacks: u64,
    /// Failed operations answered with a refusal or a miss (on-error=closed).
    pub refusals: u64,
    /// Connections made again after a loss.
    pub reconnects: u64,
    /// Cached values that could not be read (written by something else): served as misses.
    pub unreadable_entries: u64,
}

impl StoreStats {
    /// Operations that did not get an answer from Redis, whatever the reason.
    pub fn failures(&self) -> u64 {
        self.unavailable + self.timeouts + self.connection_errors + self.server_errors
    }
}

impl Counters {
    pub(crate) fn snapshot(&self, up: bool) -> StoreStats {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        StoreStats {
            up,
            calls: read(&self.calls),
            unavailable: read(&self.unavailable),
            timeouts: read(&self.timeouts),
            connection_errors: read(&self.connection_errors),
            server_errors: read(&self.server_errors),
            fallbacks: read(&self.fallbacks),
            refusals: read(&self.refusals),
            reconnects: read(&self.reconnects),
            unreadable_entries: read(&self.unreadable_entries),
        }
    }
}
