//! One runtime process (an execution environment): started with `sh -c COMMAND` in its own process group and
//! its own Runtime API listener, watched by a supervisor task that enforces the init and invocation deadlines,
//! notices exits, and kills the whole group when the process is done.

use std::io;
use std::net::Ipv4Addr;
use std::os::unix::process::CommandExt as _;
use std::process::Stdio;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::net::TcpListener;
use tokio::process::{Child, Command};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use crate::host::Shared;
use crate::logs;
use crate::outcome::{ExitStatusText, Invocation, InvokeError};
use crate::pool::{InitFailure, Job, Pool, Reply};
use crate::runtime_api;

/// How long a killed process may take to be reaped before the supervisor gives up waiting.
const REAP_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the log readers may take to drain what a dead process wrote.
const DRAIN_TIMEOUT: Duration = Duration::from_millis(500);

/// The Runtime API's view of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Started, has not asked for an event yet.
    Starting,
    /// Waiting in `/next` (or between a response and its next `/next`).
    Ready,
    /// Holds an invocation.
    Invoking,
    /// Being stopped; takes no more invocations.
    Stopping,
}

impl Phase {
    /// The state names Lambda's Runtime API uses in `InvalidStateTransition` messages.
    pub(crate) fn aws_name(self) -> &'static str {
        match self {
            Phase::Starting => "Started",
            Phase::Ready | Phase::Stopping => "Ready",
            Phase::Invoking => "Running",
        }
    }
}

/// One process and what it is doing.
#[derive(Debug)]
pub(crate) struct Process {
    function: Arc<str>,
    state: Mutex<ProcessState>,
    /// Wakes the supervisor for a stop request or an init error. Invocations do not wake it: it looks again at
    /// least every `min(timeout, idle_timeout)`, so any deadline set meanwhile is still ahead of its next look.
    changed: Notify,
    /// Wakes the `/next` request parked on this process when an invocation is handed to it.
    wake: Notify,
}

#[derive(Debug)]
struct ProcessState {
    phase: Phase,
    /// The ticket of the `/next` request parked on this process, and since when it waits.
    parked: Option<(u64, Instant)>,
    /// An invocation handed to the parked request with that ticket, not taken yet.
    mailbox: Option<(u64, Job)>,
    next_ticket: u64,
    current: Option<Current>,
    init_error: Option<InitFailure>,
    /// Asked for an event at least once (its init is over).
    ever_ready: bool,
    /// Answered an invocation and has not asked for the next event yet (counted by the pool).
    returning: bool,
    /// The request id log lines are tagged with: the current invocation's, or the last one's.
    log_request_id: Option<Arc<str>>,
}

#[derive(Debug)]
struct Current {
    request_id: Arc<str>,
    reply: Reply,
    started: Instant,
    deadline: Instant,
}

/// What `begin` hands the Runtime API for the `/next` response.
#[derive(Debug)]
pub(crate) struct Event {
    pub(crate) request_id: Arc<str>,
    pub(crate) payload: Bytes,
    pub(crate) deadline_ms: u128,
    pub(crate) trace_id: String,
    pub(crate) client_context: Option<String>,
    pub(crate) cognito_identity: Option<String>,
}

/// Why a response or error post was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No invocation is in progress (Lambda: 403 `InvalidStateTransition`).
    State(Phase),
    /// Another id is in progress, or it already ended (Lambda: 400 `InvalidRequestID`).
    RequestId,
}

impl Process {
    fn new(function: Arc<str>) -> Process {
        Process {
            function,
            state: Mutex::new(ProcessState {
                phase: Phase::Starting,
                parked: None,
                mailbox: None,
                next_ticket: 0,
                current: None,
                init_error: None,
                ever_ready: false,
                returning: false,
                log_request_id: None,
            }),
            changed: Notify::new(),
            wake: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, ProcessState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn function(&self) -> &str {
        &self.function
    }

    pub(crate) fn phase(&self) -> Phase {
        self.lock().phase
    }

    /// The request id to tag a log line with.
    pub(crate) fn log_request_id(&self) -> Option<Arc<str>> {
        self.lock().log_request_id.clone()
    }

    /// Starting → Ready on the first `/next`; true when this was the first.
    pub(crate) fn mark_ready(&self) -> bool {
        let mut state = self.lock();
        if state.phase == Phase::Starting {
            state.phase = Phase::Ready;
            state.ever_ready = true;
            true
        } else {
            false
        }
    }

    /// Marks the process as returning; true when it was not yet.
    pub(crate) fn set_returning(&self) -> bool {
        !std::mem::replace(&mut self.lock().returning, true)
    }

    /// Clears the returning mark; true when it was set.
    pub(crate) fn clear_returning(&self) -> bool {
        std::mem::take(&mut self.lock().returning)
    }

    /// Parks a `/next` request; its ticket. A request parked before on another connection is told to give up.
    pub(crate) fn set_parked(&self, now: Instant) -> u64 {
        let mut state = self.lock();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        let replaced = state.parked.replace((ticket, now)).is_some();
        drop(state);
        if replaced {
            self.wake.notify_waiters();
        }
        ticket
    }

    pub(crate) fn take_parked(&self) {
        self.lock().parked = None;
    }

    /// Since when the parked `/next` request waits, if one does.
    pub(crate) fn parked_since(&self) -> Option<Instant> {
        self.lock().parked.map(|(_, since)| since)
    }

    /// Gives `job` to the `/next` request parked on this process; the job comes back when none is parked.
    pub(crate) fn deliver(&self, job: Job) -> Option<Job> {
        let mut state = self.lock();
        let Some((ticket, _)) = state.parked.take() else {
            return Some(job);
        };
        state.mailbox = Some((ticket, job));
        drop(state);
        self.wake.notify_waiters();
        None
    }

    /// Waits, as the `/next` request parked with `ticket`, for its invocation; `None` when another request took
    /// its place. Never returns once the process is being stopped (it is killed with its connections).
    pub(crate) async fn wait(&self, ticket: u64) -> Option<Job> {
        let notified = self.wake.notified();
        tokio::pin!(notified);
        loop {
            // Registered before looking, so a delivery between the look and the wait still wakes it.
            notified.as_mut().enable();
            let stopping = {
                let mut state = self.lock();
                if state.mailbox.as_ref().is_some_and(|(t, _)| *t == ticket) {
                    return state.mailbox.take().map(|(_, job)| job);
                }
                if state.phase != Phase::Stopping && state.parked.is_none_or(|(t, _)| t != ticket) {
                    return None;
                }
                state.phase == Phase::Stopping
            };
            if stopping {
                std::future::pending::<()>().await;
            }
            notified.as_mut().await;
            notified.set(self.wake.notified());
        }
    }

    /// The process stops taking invocations and its supervisor kills it.
    pub(crate) fn stop(&self) {
        self.lock().phase = Phase::Stopping;
        self.changed.notify_one();
    }

    /// Starts `job` on this process: from now its deadline runs.
    pub(crate) fn begin(&self, job: Job, timeout: Duration) -> Event {
        let now = Instant::now();
        let deadline_ms = SystemTime::now()
            .checked_add(timeout)
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis());
        let mut state = self.lock();
        state.phase = Phase::Invoking;
        state.log_request_id = Some(Arc::clone(&job.request_id));
        state.current = Some(Current {
            request_id: Arc::clone(&job.request_id),
            reply: job.reply,
            started: now,
            deadline: now + timeout,
        });
        drop(state);
        tracing::debug!(function = %self.function, request_id = %job.request_id, "START RequestId: {} Version: $LATEST", job.request_id);
        Event {
            request_id: job.request_id,
            payload: job.payload,
            deadline_ms,
            trace_id: job.trace_id,
            client_context: job.client_context,
            cognito_identity: job.cognito_identity,
        }
    }

    /// May the runtime post a result for `request_id` now? The current invocation's id when it may.
    pub(crate) fn check_current(&self, request_id: &[u8]) -> Result<Arc<str>, Refusal> {
        let state = self.lock();
        match &state.current {
            None => Err(Refusal::State(state.phase)),
            Some(current) if current.request_id.as_bytes() != request_id => Err(Refusal::RequestId),
            Some(current) => Ok(Arc::clone(&current.request_id)),
        }
    }

    /// Ends the invocation `request_id` with `invocation`; false when it is no longer the current one (it timed
    /// out meanwhile).
    pub(crate) fn complete(&self, request_id: &str, invocation: Invocation) -> bool {
        let mut state = self.lock();
        let matches = state.current.as_ref().is_some_and(|c| &*c.request_id == request_id);
        if !matches {
            return false;
        }
        let Some(current) = state.current.take() else {
            return false;
        };
        if state.phase == Phase::Invoking {
            state.phase = Phase::Ready;
        }
        drop(state);
        report(&self.function, &current, invocation.error_type.as_deref());
        let _ = current.reply.send(Ok(invocation));
        true
    }

    /// Records `/runtime/init/error`; false when the process is past its init.
    pub(crate) fn init_failed(&self, payload: Bytes, error_type: Option<String>) -> Result<(), Phase> {
        let mut state = self.lock();
        if state.phase != Phase::Starting {
            return Err(state.phase);
        }
        state.init_error = Some(InitFailure::Reported { payload, error_type });
        drop(state);
        self.changed.notify_one();
        Ok(())
    }

    /// The supervisor's look at the process: a reason to stop it now, else when to look again.
    fn check(&self, now: Instant, init_deadline: Instant, timeout: Duration) -> Result<Option<Instant>, Stop> {
        let mut state = self.lock();
        if state.phase == Phase::Stopping {
            return Err(Stop::Retired);
        }
        if let Some(failure) = state.init_error.take() {
            state.phase = Phase::Stopping;
            return Err(Stop::InitFailed(failure));
        }
        match state.phase {
            Phase::Starting if now >= init_deadline => {
                state.phase = Phase::Stopping;
                Err(Stop::InitFailed(InitFailure::TimedOut(timeout)))
            }
            Phase::Starting => Ok(Some(init_deadline)),
            Phase::Invoking => match state.current.take() {
                Some(current) if now >= current.deadline => {
                    state.phase = Phase::Stopping;
                    drop(state);
                    tracing::warn!(
                        function = %self.function, request_id = %current.request_id,
                        "Task timed out after {:.2} seconds", timeout.as_secs_f64()
                    );
                    report(&self.function, &current, Some("Sandbox.Timedout"));
                    let _ = current
                        .reply
                        .send(Ok(Invocation::timed_out(&current.request_id, timeout)));
                    Err(Stop::TimedOut)
                }
                Some(current) => {
                    let deadline = current.deadline;
                    state.current = Some(current);
                    Ok(Some(deadline))
                }
                None => Ok(None),
            },
            Phase::Ready | Phase::Stopping => Ok(None),
        }
    }

    /// After the process is gone: answers the invocation it held, and says whether it died during init.
    fn finish(&self, stop: &Stop, status: Option<&ExitStatusText>) -> (bool, Option<InitFailure>) {
        let mut state = self.lock();
        let was_starting = !state.ever_ready;
        state.phase = Phase::Stopping;
        state.parked = None;
        // An invocation handed over but never taken (its connection went away) ends like one in progress.
        let handed = state.mailbox.take().map(|(_, job)| Current {
            started: Instant::now(),
            deadline: Instant::now(),
            request_id: job.request_id,
            reply: job.reply,
        });
        let current = state.current.take().or(handed);
        let reported = state.init_error.take();
        drop(state);
        if let Some(current) = current {
            let outcome = match stop {
                Stop::Shutdown => Err(InvokeError::ShuttingDown),
                _ => Ok(Invocation::exited(&current.request_id, status)),
            };
            tracing::warn!(
                function = %self.function, request_id = %current.request_id,
                "Runtime exited during the invocation: {}",
                status.map_or_else(|| "no status".to_owned(), ToString::to_string)
            );
            report(&self.function, &current, Some("Runtime.ExitError"));
            let _ = current.reply.send(outcome);
        }
        let failure = match stop {
            Stop::Exited if was_starting => Some(reported.unwrap_or_else(|| InitFailure::Exited(status.cloned()))),
            _ => None,
        };
        (was_starting, failure)
    }
}

fn report(function: &str, current: &Current, error_type: Option<&str>) {
    let duration = current.started.elapsed();
    tracing::debug!(
        function, request_id = %current.request_id, error_type,
        "REPORT RequestId: {}\tDuration: {:.2} ms", current.request_id, duration.as_secs_f64() * 1000.0
    );
}

/// Why a supervisor stopped its process.
#[derive(Debug)]
enum Stop {
    /// The process exited by itself.
    Exited,
    /// The invocation ran past the function timeout (already answered).
    TimedOut,
    /// Init failed (reported, or timed out); answers the oldest waiting invocation.
    InitFailed(InitFailure),
    /// Idle too long.
    Retired,
    /// The host shuts down.
    Shutdown,
}

/// Kills a process group when dropped, so no path (panic, dropped runtime) leaves the function running.
#[derive(Debug)]
pub(crate) struct GroupGuard {
    pgid: AtomicI32,
}

impl GroupGuard {
    fn new(pgid: i32) -> GroupGuard {
        GroupGuard {
            pgid: AtomicI32::new(pgid),
        }
    }

    /// SIGKILL to every process of the group.
    pub(crate) fn kill(&self) {
        kill_group(self.pgid.load(Ordering::Relaxed));
    }

    /// The group is gone; never signal its id again (it could be reused).
    fn disarm(&self) {
        self.pgid.store(0, Ordering::Relaxed);
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

pub(crate) fn kill_group(pgid: i32) {
    if pgid > 1 {
        // ESRCH (already gone) is the expected answer after a clean exit.
        let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
    }
}

/// Starts a process for `pool`'s function and its supervisor.
pub(crate) fn spawn(pool: &Arc<Pool>) -> io::Result<()> {
    let host = pool
        .host
        .upgrade()
        .ok_or_else(|| io::Error::other("the host is shutting down"))?;
    let tracker = host
        .tracker()
        .ok_or_else(|| io::Error::other("the host is shutting down"))?;
    let settings = &pool.settings;
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    listener.set_nonblocking(true)?;
    let listener = TcpListener::from_std(listener)?;
    let runtime_api = format!("127.0.0.1:{}", listener.local_addr()?.port());
    let log_stream = host.ids.log_stream();

    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(&settings.config.command)
        .current_dir(&settings.task_root)
        .envs(settings.environment(&runtime_api, &log_stream))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // Its own process group: `sh -c` may start children, and a stop must reach all of them.
    command.as_std_mut().process_group(0);
    let mut child = command.spawn()?;
    let pid = child
        .id()
        .and_then(|pid| i32::try_from(pid).ok())
        .ok_or_else(|| io::Error::other("the process has no id"))?;
    let guard = GroupGuard::new(pid);
    let group = host.register_group(pid);

    let function: Arc<str> = Arc::from(settings.config.name.as_str());
    let process = Arc::new(Process::new(Arc::clone(&function)));
    tracing::debug!(function = %function, pid, runtime_api, "started a runtime process");
    let server = tokio::spawn(runtime_api::serve(listener, Arc::clone(pool), Arc::clone(&process)));
    let mut pumps = Vec::with_capacity(2);
    if let Some(stdout) = child.stdout.take() {
        pumps.push(tokio::spawn(logs::pump(stdout, "stdout", Arc::clone(&process))));
    }
    if let Some(stderr) = child.stderr.take() {
        pumps.push(tokio::spawn(logs::pump(stderr, "stderr", Arc::clone(&process))));
    }
    let supervisor = Supervisor {
        pool: Arc::clone(pool),
        process,
        child,
        guard,
        server,
        pumps,
        shutdown: host.shutdown_signal(),
        host: Arc::downgrade(&host),
        group,
        _tracker: tracker,
    };
    tokio::spawn(supervisor.run());
    Ok(())
}

struct Supervisor {
    pool: Arc<Pool>,
    process: Arc<Process>,
    child: Child,
    guard: GroupGuard,
    server: JoinHandle<()>,
    pumps: Vec<JoinHandle<()>>,
    shutdown: watch::Receiver<bool>,
    host: std::sync::Weak<Shared>,
    group: u64,
    /// Held until the supervisor ends, so `FunctionHost::shutdown` can wait for every supervisor.
    _tracker: tokio::sync::mpsc::Sender<()>,
}

impl Supervisor {
    async fn run(mut self) {
        let config = &self.pool.settings.config;
        let init_deadline = Instant::now() + config.init_timeout;
        // Invocations and parked requests do not wake the supervisor; looking again within this period of any
        // look keeps every deadline they set (start + timeout, parked + idle_timeout) ahead of the next look.
        let period = config.timeout.min(config.idle_timeout);
        let mut status = None;
        let stop = loop {
            if *self.shutdown.borrow() {
                break Stop::Shutdown;
            }
            let now = Instant::now();
            let deadline = match self.process.check(now, init_deadline, config.timeout) {
                Ok(deadline) => deadline,
                Err(stop) => break stop,
            };
            let idle_until = self.process.parked_since().map(|since| since + config.idle_timeout);
            if idle_until.is_some_and(|until| now >= until) && self.pool.retire_if_idle(&self.process, now) {
                tracing::debug!(function = %self.process.function(), "stopping an idle runtime process");
                self.process.stop();
                break Stop::Retired;
            }
            let wake = [deadline, idle_until, Some(now + period)]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(now + period);
            let sleep = tokio::time::sleep_until(wake.into());
            tokio::select! {
                exited = self.child.wait() => {
                    status = exited.ok().and_then(ExitStatusText::of);
                    break Stop::Exited;
                }
                () = sleep => {}
                () = self.process.changed.notified() => {}
                changed = self.shutdown.changed() => {
                    if changed.is_err() {
                        break Stop::Shutdown;
                    }
                }
            }
        };
        // Kill the whole group (children of `sh -c` included), then reap the leader.
        self.guard.kill();
        if status.is_none() && !matches!(stop, Stop::Exited) {
            match tokio::time::timeout(REAP_TIMEOUT, self.child.wait()).await {
                Ok(Ok(exit)) => status = ExitStatusText::of(exit),
                _ => {
                    tracing::warn!(function = %self.process.function(), "a killed runtime process was not reaped in time")
                }
            }
        }
        self.guard.disarm();
        if let Some(host) = self.host.upgrade() {
            host.unregister_group(self.group);
        }
        self.server.abort();
        for pump in self.pumps.drain(..) {
            let abort = pump.abort_handle();
            if tokio::time::timeout(DRAIN_TIMEOUT, pump).await.is_err() {
                abort.abort();
            }
        }
        let (was_starting, mut failure) = self.process.finish(&stop, status.as_ref());
        tracing::debug!(function = %self.process.function(), ?stop, ?status, "a runtime process ended");
        if let Stop::InitFailed(reported) = stop {
            failure = Some(reported);
        }
        if let Some(failure) = &failure {
            tracing::warn!(function = %self.process.function(), ?failure, "the runtime failed to initialize");
        }
        self.pool.process_gone(&self.process, was_starting, failure);
    }
}
