//! [`FunctionHost`]: the functions, their pools, and the host-wide shutdown.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::{mpsc, oneshot, watch};

use crate::config::{ConfigError, FunctionConfig, HostOptions};
use crate::ids::Ids;
use crate::outcome::{Invocation, InvokeError, MAX_REQUEST_PAYLOAD};
use crate::pool::{Job, Pool};
use crate::process::kill_group;
use crate::settings::{Settings, function_arn};

/// The longest an invocation's caller may wait (a function runs 15 minutes at most, after an init of seconds).
const MAX_WAIT: Duration = Duration::from_secs(3600);
/// How long [`FunctionHost::shutdown`] waits for every process to be killed and reaped.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(10);

/// One invocation's input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InvokeRequest {
    /// The event (at most 6 MiB, as Lambda's synchronous invoke).
    pub payload: Bytes,
    /// How long the caller waits (the integration timeout; at most an hour). The function's own timeout still
    /// applies inside it; when this runs out first the caller gets [`InvokeError::Timeout`] and the function runs
    /// on to its end.
    pub timeout: Duration,
    /// `Lambda-Runtime-Trace-Id` (an X-Ray trace header); a fresh unsampled one when `None`.
    pub trace_id: Option<String>,
    /// `Lambda-Runtime-Client-Context` (the `X-Amz-Client-Context` of the invoke, decoded JSON).
    pub client_context: Option<String>,
    /// `Lambda-Runtime-Cognito-Identity`.
    pub cognito_identity: Option<String>,
}

impl InvokeRequest {
    /// An invocation of `payload` that the caller waits `timeout` for.
    pub fn new(payload: impl Into<Bytes>, timeout: Duration) -> InvokeRequest {
        InvokeRequest {
            payload: payload.into(),
            timeout,
            trace_id: None,
            client_context: None,
            cognito_identity: None,
        }
    }
}

/// A function's processes and queue right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FunctionStatus {
    /// Processes started and not yet ended (starting, idle or busy).
    pub processes: usize,
    /// Of those, processes waiting for an invocation.
    pub idle: usize,
    /// Invocations waiting for a process.
    pub queued: usize,
}

/// Local Lambda functions run as processes through the Runtime API. A cheap `Clone` handle; when the last
/// handle is dropped every process is killed. Invoke from within a tokio runtime with I/O and time enabled
/// (`enable_all`): processes, their listeners and supervisors are tasks of that runtime.
#[derive(Debug, Clone)]
pub struct FunctionHost {
    shared: Arc<Shared>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    /// By name; an ordered map, because a few string comparisons find a name faster than hashing it.
    pools: BTreeMap<String, Arc<Pool>>,
    options: HostOptions,
    pub(crate) ids: Ids,
    shutdown: watch::Sender<bool>,
    /// Every supervisor holds a clone; [`FunctionHost::shutdown`] drops this one and waits for the channel to
    /// close. `None` once shutting down: no process may start after that.
    tracker: Mutex<Option<mpsc::Sender<()>>>,
    tracker_done: tokio::sync::Mutex<mpsc::Receiver<()>>,
    /// Process groups alive now, killed synchronously if the host is dropped without a shutdown.
    groups: Mutex<HashMap<u64, i32>>,
    next_group: AtomicU64,
}

impl FunctionHost {
    /// Checks `functions` and prepares them. No process starts until a function's first invocation.
    pub fn start(functions: Vec<FunctionConfig>, options: HostOptions) -> Result<FunctionHost, ConfigError> {
        options.validate()?;
        let mut seen = std::collections::HashSet::new();
        for config in &functions {
            config.validate()?;
            if !seen.insert(config.name.clone()) {
                return Err(ConfigError::Duplicate(config.name.clone()));
            }
        }
        let (tracker, tracker_done) = mpsc::channel(1);
        let shared = Arc::new_cyclic(|weak| {
            let pools = functions
                .into_iter()
                .map(|config| {
                    let name = config.name.clone();
                    let settings = Arc::new(Settings::new(config, &options));
                    (name, Arc::new(Pool::new(settings, weak.clone())))
                })
                .collect();
            Shared {
                pools,
                options,
                ids: Ids::default(),
                shutdown: watch::Sender::new(false),
                tracker: Mutex::new(Some(tracker)),
                tracker_done: tokio::sync::Mutex::new(tracker_done),
                groups: Mutex::new(HashMap::new()),
                next_group: AtomicU64::new(0),
            }
        });
        Ok(FunctionHost { shared })
    }

    /// The configured function names.
    pub fn functions(&self) -> impl Iterator<Item = &str> {
        self.shared.pools.keys().map(String::as_str)
    }

    /// Is `name` a configured function?
    pub fn contains(&self, name: &str) -> bool {
        self.shared.pools.contains_key(name)
    }

    /// A function's processes and queue, `None` for an unknown name.
    pub fn status(&self, name: &str) -> Option<FunctionStatus> {
        let (processes, idle, queued) = self.shared.pools.get(name)?.counts();
        Some(FunctionStatus {
            processes,
            idle,
            queued,
        })
    }

    /// Invokes `name` synchronously (Lambda's `RequestResponse`): the function's answer, or its failure as
    /// Lambda reports it (an [`Invocation`] with `function_error`), or an [`InvokeError`] when no answer came.
    pub async fn invoke(&self, name: &str, request: InvokeRequest) -> Result<Invocation, InvokeError> {
        let pool = self.pool(name, request.payload.len())?;
        let request_id = self.shared.ids.request_id();
        let (reply, outcome) = oneshot::channel();
        pool.submit(Job {
            request_id: Arc::clone(&request_id),
            payload: request.payload,
            trace_id: request.trace_id.unwrap_or_else(|| self.shared.ids.trace_id()),
            client_context: request.client_context,
            cognito_identity: request.cognito_identity,
            reply,
        })?;
        match tokio::time::timeout(request.timeout.min(MAX_WAIT), outcome).await {
            Ok(Ok(result)) => result,
            // The process holding it vanished before it could be answered.
            Ok(Err(_)) => Ok(Invocation::exited(&request_id, None)),
            Err(_) => Err(InvokeError::Timeout),
        }
    }

    /// Invokes `name` asynchronously (Lambda's `Event` invocation type, which `Invoke` answers with 202 at once):
    /// the invocation is queued like a synchronous one and runs in the background; its outcome is only logged.
    /// Call within a tokio runtime.
    pub fn invoke_event(&self, name: &str, payload: Bytes) -> Result<(), InvokeError> {
        let pool = self.pool(name, payload.len())?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|e| InvokeError::Spawn(e.to_string()))?;
        let request_id = self.shared.ids.request_id();
        let (reply, outcome) = oneshot::channel();
        pool.submit(Job {
            request_id: Arc::clone(&request_id),
            payload,
            trace_id: self.shared.ids.trace_id(),
            client_context: None,
            cognito_identity: None,
            reply,
        })?;
        let function = name.to_owned();
        runtime.spawn(async move {
            match tokio::time::timeout(MAX_WAIT, outcome).await {
                Ok(Ok(Ok(invocation))) if invocation.function_error.is_none() => {
                    tracing::debug!(function, %request_id, "asynchronous invocation succeeded");
                }
                Ok(Ok(Ok(invocation))) => tracing::warn!(
                    function, %request_id, error_type = invocation.error_type.as_deref(),
                    "asynchronous invocation failed: {}", String::from_utf8_lossy(&invocation.payload)
                ),
                Ok(Ok(Err(error))) => tracing::warn!(function, %request_id, %error, "asynchronous invocation failed"),
                Ok(Err(_)) | Err(_) => tracing::warn!(function, %request_id, "asynchronous invocation got no answer"),
            }
        });
        Ok(())
    }

    fn pool(&self, name: &str, payload_len: usize) -> Result<&Arc<Pool>, InvokeError> {
        let Some(pool) = self.shared.pools.get(name) else {
            return Err(InvokeError::UnknownFunction {
                arn: function_arn(&self.shared.options, name),
            });
        };
        if payload_len > MAX_REQUEST_PAYLOAD {
            return Err(InvokeError::PayloadTooLarge { size: payload_len });
        }
        Ok(pool)
    }

    /// Refuses new invocations, answers queued ones with [`InvokeError::ShuttingDown`], kills every process
    /// (whole process groups) and waits for them to be reaped (at most 10 s).
    pub async fn shutdown(&self) {
        for pool in self.shared.pools.values() {
            pool.close();
        }
        let tracker = self.shared.tracker.lock().unwrap_or_else(|e| e.into_inner()).take();
        drop(tracker);
        self.shared.shutdown.send_replace(true);
        let mut done = self.shared.tracker_done.lock().await;
        if tokio::time::timeout(SHUTDOWN_TIMEOUT, done.recv()).await.is_err() {
            tracing::warn!("local function processes did not all stop in time; killing their groups");
            self.shared.kill_all();
        }
    }
}

impl Shared {
    /// A clone of the shutdown tracker, `None` once shutting down.
    pub(crate) fn tracker(&self) -> Option<mpsc::Sender<()>> {
        self.tracker.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    pub(crate) fn register_group(&self, pgid: i32) -> u64 {
        let key = self.next_group.fetch_add(1, Ordering::Relaxed);
        self.groups.lock().unwrap_or_else(|e| e.into_inner()).insert(key, pgid);
        key
    }

    pub(crate) fn unregister_group(&self, key: u64) {
        self.groups.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
    }

    fn kill_all(&self) {
        let groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        for &pgid in groups.values() {
            kill_group(pgid);
        }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        // The last handle is gone: supervisors see the watch close and stop; kill now in case no runtime is left
        // to run them.
        self.kill_all();
    }
}
