//! The connection to Redis: one multiplexed connection shared by every request, a bounded wait on every
//! call, and reconnection in the background.
//!
//! While the connection is up, a call clones it (an `Arc`) and waits at most the configured timeout. A dropped
//! connection, or three timeouts in a row, takes the link down: calls then fail at once, without touching the
//! network, so a dead Redis costs requests nothing, and one background task tries to reconnect every
//! reconnect interval (the first try at once). A server error (a script error, `OOM`, `LOADING`) fails that
//! call only.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use arc_swap::ArcSwapOption;
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, RedisError, RedisResult};

use crate::stats::Counters;

/// Timeouts in a row that take the link down (a stopped or overloaded Redis holds the connection open).
const TIMEOUTS_TO_DOWN: u32 = 3;
/// Connecting may take longer than one call: it is off the request path.
const MIN_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Why a call got no answer. [`Failure::kind`] names it for metrics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The link is down (not tried: a reconnection is under way).
    Unavailable,
    /// No answer within the timeout.
    Timeout(Duration),
    /// The connection failed (refused, reset, closed).
    Connection(String),
    /// Redis answered with an error (a script error, `OOM`, `LOADING`, …).
    Server(String),
}

impl Failure {
    /// A short, fixed label: `unavailable`, `timeout`, `connection` or `server`.
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Unavailable => "unavailable",
            Failure::Timeout(_) => "timeout",
            Failure::Connection(_) => "connection",
            Failure::Server(_) => "server",
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Unavailable => f.write_str("redis is unreachable (reconnecting)"),
            Failure::Timeout(timeout) => write!(f, "redis did not answer within {timeout:?}"),
            Failure::Connection(message) => write!(f, "redis connection failed: {message}"),
            Failure::Server(message) => write!(f, "redis error: {message}"),
        }
    }
}

struct Live {
    connection: MultiplexedConnection,
    /// Which connection this is, so a late failure of an old one does not take a new one down.
    epoch: u64,
}

pub(crate) struct Link {
    client: Client,
    display_url: String,
    timeout: Duration,
    reconnect_interval: Duration,
    live: ArcSwapOption<Live>,
    reconnecting: AtomicBool,
    timeouts_in_a_row: AtomicU32,
    epochs: AtomicU64,
    /// Whether a connection was ever made (the first one is "connected", later ones "reconnected").
    ever_up: AtomicBool,
    pub(crate) counters: Counters,
}

impl fmt::Debug for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Link")
            .field("url", &self.display_url)
            .field("up", &self.is_up())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Link {
    pub(crate) fn new(
        client: Client,
        display_url: String,
        timeout: Duration,
        reconnect_interval: Duration,
    ) -> Arc<Link> {
        Arc::new(Link {
            client,
            display_url,
            timeout,
            reconnect_interval,
            live: ArcSwapOption::empty(),
            reconnecting: AtomicBool::new(false),
            timeouts_in_a_row: AtomicU32::new(0),
            epochs: AtomicU64::new(0),
            ever_up: AtomicBool::new(false),
            counters: Counters::default(),
        })
    }

    pub(crate) fn is_up(&self) -> bool {
        self.live.load().is_some()
    }

    /// Runs `call` on the connection, within the timeout.
    pub(crate) async fn call<T, F, Fut>(self: &Arc<Self>, call: F) -> Result<T, Failure>
    where
        F: FnOnce(MultiplexedConnection) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        self.counters.calls.fetch_add(1, Ordering::Relaxed);
        let Some(live) = self.live.load_full() else {
            self.counters.unavailable.fetch_add(1, Ordering::Relaxed);
            self.start_reconnecting();
            return Err(Failure::Unavailable);
        };
        match tokio::time::timeout(self.timeout, call(live.connection.clone())).await {
            Ok(Ok(value)) => {
                self.timeouts_in_a_row.store(0, Ordering::Relaxed);
                Ok(value)
            }
            Ok(Err(err)) if is_connection_error(&err) => {
                self.counters.connection_errors.fetch_add(1, Ordering::Relaxed);
                let message = err.to_string();
                self.take_down(live.epoch, &message);
                Err(Failure::Connection(message))
            }
            Ok(Err(err)) => {
                self.counters.server_errors.fetch_add(1, Ordering::Relaxed);
                Err(Failure::Server(err.to_string()))
            }
            Err(_) => {
                self.counters.timeouts.fetch_add(1, Ordering::Relaxed);
                if self.timeouts_in_a_row.fetch_add(1, Ordering::Relaxed) + 1 >= TIMEOUTS_TO_DOWN {
                    self.take_down(live.epoch, &format!("{TIMEOUTS_TO_DOWN} calls in a row timed out"));
                }
                Err(Failure::Timeout(self.timeout))
            }
        }
    }

    /// Connects now (or returns at once if connected): what the server awaits at start.
    pub(crate) async fn connect(self: &Arc<Self>) -> Result<(), Failure> {
        if self.is_up() {
            return Ok(());
        }
        let result = self.connect_once().await;
        if result.is_err() {
            self.start_reconnecting();
        }
        result
    }

    async fn connect_once(&self) -> Result<(), Failure> {
        let connect_timeout = self.timeout.max(MIN_CONNECT_TIMEOUT);
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(connect_timeout))
            // Every call carries its own (shorter) timeout.
            .set_response_timeout(None);
        let attempt = async {
            let mut connection = self
                .client
                .get_multiplexed_async_connection_with_config(&config)
                .await?;
            redis::cmd("PING").query_async::<()>(&mut connection).await?;
            Ok::<_, RedisError>(connection)
        };
        let connection = match tokio::time::timeout(connect_timeout, attempt).await {
            Ok(Ok(connection)) => connection,
            Ok(Err(err)) => return Err(Failure::Connection(err.to_string())),
            Err(_) => return Err(Failure::Timeout(connect_timeout)),
        };
        let epoch = self.epochs.fetch_add(1, Ordering::Relaxed) + 1;
        self.timeouts_in_a_row.store(0, Ordering::Relaxed);
        self.live.store(Some(Arc::new(Live { connection, epoch })));
        if self.ever_up.swap(true, Ordering::Relaxed) {
            self.counters.reconnects.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(url = %self.display_url, "state store: Redis reachable again; shared limits resume");
        } else {
            tracing::info!(url = %self.display_url, "state store: connected to Redis");
        }
        Ok(())
    }

    /// Drops connection `epoch` (if it is still the live one) and starts reconnecting.
    fn take_down(self: &Arc<Self>, epoch: u64, why: &str) {
        let current = self.live.load();
        if current.as_ref().is_some_and(|live| live.epoch == epoch) {
            let swapped = self.live.compare_and_swap(&current, None);
            if swapped.as_ref().is_some_and(|live| live.epoch == epoch) {
                tracing::warn!(
                    url = %self.display_url,
                    error = why,
                    "state store: lost Redis; applying the on-error policy until it is back"
                );
            }
        }
        self.start_reconnecting();
    }

    /// Starts the reconnecting task unless one runs (or there is no tokio runtime to run it on).
    fn start_reconnecting(self: &Arc<Self>) {
        if self.is_up() || self.reconnecting.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.reconnecting.store(false, Ordering::Release);
            return;
        };
        runtime.spawn(reconnect(Arc::downgrade(self)));
    }
}

/// Tries to connect at once, then every reconnect interval, until it succeeds or the store is dropped.
async fn reconnect(link: Weak<Link>) {
    loop {
        let Some(strong) = link.upgrade() else { return };
        match strong.connect_once().await {
            Ok(()) => {
                strong.reconnecting.store(false, Ordering::Release);
                return;
            }
            Err(err) => tracing::debug!(url = %strong.display_url, error = %err, "state store: reconnect failed"),
        }
        let pause = strong.reconnect_interval;
        drop(strong);
        tokio::time::sleep(pause).await;
    }
}

fn is_connection_error(err: &RedisError) -> bool {
    err.is_io_error() || err.is_connection_dropped() || err.is_connection_refusal() || err.is_unrecoverable_error()
}
