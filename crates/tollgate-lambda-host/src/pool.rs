//! One function's processes and waiting invocations.
//!
//! An invocation goes to a process parked in `GET …/invocation/next` (the most recently parked first, so warm
//! processes stay warm); when none is parked it waits in a bounded queue, and a new process is started if the
//! function is below its concurrency limit and fewer processes are starting than invocations are waiting.
//! A process that asks for its next event takes the oldest waiting invocation whose caller still waits.
//!
//! Lock order: a pool's lock, then a process's lock; never the other way round.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Instant;

use bytes::Bytes;
use tokio::sync::oneshot;

use crate::host::Shared;
use crate::outcome::{Invocation, InvokeError};
use crate::process::{self, Process};
use crate::settings::Settings;

/// Where an invocation's outcome goes.
pub(crate) type Reply = oneshot::Sender<Result<Invocation, InvokeError>>;

/// One invocation on its way to a process.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) request_id: Arc<str>,
    pub(crate) payload: Bytes,
    pub(crate) trace_id: String,
    pub(crate) client_context: Option<String>,
    pub(crate) cognito_identity: Option<String>,
    pub(crate) reply: Reply,
}

/// One function: its settings, processes and queue.
#[derive(Debug)]
pub(crate) struct Pool {
    pub(crate) settings: Arc<Settings>,
    pub(crate) host: Weak<Shared>,
    state: Mutex<PoolState>,
}

#[derive(Debug, Default)]
struct PoolState {
    /// Processes parked in `/next`, the most recent last.
    idle: Vec<Arc<Process>>,
    /// Processes started and not yet reaped.
    live: usize,
    /// Of those, processes that have not asked for their first event yet.
    starting: usize,
    /// Of those, processes that just answered an invocation and will ask for the next event at once; counted
    /// like starting ones so that a waiting invocation does not start a process it does not need.
    returning: usize,
    queue: VecDeque<Job>,
    closed: bool,
}

/// What a process parked in `/next` is told.
pub(crate) enum Parked {
    /// Serve this invocation now.
    Job(Job),
    /// Wait for one with [`Process::wait`] and this ticket (an invoker delivers while holding the pool lock).
    Wait(u64),
}

impl Pool {
    pub(crate) fn new(settings: Arc<Settings>, host: Weak<Shared>) -> Pool {
        Pool {
            settings,
            host,
            state: Mutex::new(PoolState::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PoolState> {
        // A poisoned lock only means another thread panicked mid-update; the counters stay usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands `job` to a parked process, or queues it (starting a process when allowed), or refuses it.
    pub(crate) fn submit(self: &Arc<Self>, mut job: Job) -> Result<(), InvokeError> {
        let start = {
            let mut state = self.lock();
            if state.closed {
                return Err(InvokeError::ShuttingDown);
            }
            while let Some(process) = state.idle.pop() {
                match process.deliver(job) {
                    None => return Ok(()),
                    Some(returned) => job = returned,
                }
            }
            state.queue.retain(|queued| !queued.reply.is_closed());
            let max = self.settings.config.max_concurrency;
            let can_start = max.saturating_sub(state.live);
            let coming = state.starting + state.returning + can_start;
            if state.queue.len() >= coming + self.settings.config.queue_capacity {
                return Err(InvokeError::Throttled);
            }
            state.queue.push_back(job);
            self.reserve_start(&mut state)
        };
        if start {
            self.start_process();
        }
        Ok(())
    }

    /// Reserves a process start when invocations wait that no starting process will take.
    fn reserve_start(&self, state: &mut PoolState) -> bool {
        let coming = state.starting + state.returning;
        if state.live < self.settings.config.max_concurrency && coming < state.queue.len() {
            state.live += 1;
            state.starting += 1;
            true
        } else {
            false
        }
    }

    fn start_process(self: &Arc<Self>) {
        if let Err(error) = process::spawn(self) {
            tracing::error!(function = %self.settings.config.name, %error, "could not start the function's process");
            let job = {
                let mut state = self.lock();
                state.live = state.live.saturating_sub(1);
                state.starting = state.starting.saturating_sub(1);
                pop_waiting(&mut state.queue)
            };
            if let Some(job) = job {
                let _ = job.reply.send(Err(InvokeError::Spawn(error.to_string())));
            }
        }
    }

    /// A process asks for its next event: the oldest waiting invocation, or a channel to wait on.
    pub(crate) fn park(&self, process: &Arc<Process>) -> Parked {
        let mut state = self.lock();
        if process.mark_ready() {
            state.starting = state.starting.saturating_sub(1);
        }
        if process.clear_returning() {
            state.returning = state.returning.saturating_sub(1);
        }
        if let Some(job) = pop_waiting(&mut state.queue) {
            return Parked::Job(job);
        }
        let ticket = process.set_parked(Instant::now());
        // A runtime that asks again on another connection replaces its parked request, not adds a second one.
        if !state.idle.iter().any(|p| Arc::ptr_eq(p, process)) {
            state.idle.push(Arc::clone(process));
        }
        Parked::Wait(ticket)
    }

    /// An idle process's keep-warm period ended: true when it was still idle for the whole `idle_timeout` before
    /// `now` and is now retired (no invocation can reach it any more); false when an invocation was handed to it
    /// meanwhile.
    pub(crate) fn retire_if_idle(&self, process: &Arc<Process>, now: Instant) -> bool {
        let mut state = self.lock();
        let Some(index) = state.idle.iter().position(|p| Arc::ptr_eq(p, process)) else {
            return false;
        };
        if process
            .parked_since()
            .is_none_or(|since| now < since + self.settings.config.idle_timeout)
        {
            return false;
        }
        state.idle.swap_remove(index);
        process.take_parked();
        true
    }

    /// A process ended (reaped). Fails the oldest waiting invocation with `init_failure` when the process died
    /// before asking for an event, and starts a replacement when invocations still wait.
    pub(crate) fn process_gone(
        self: &Arc<Self>,
        process: &Arc<Process>,
        was_starting: bool,
        init_failure: Option<InitFailure>,
    ) {
        let (failed, start) = {
            let mut state = self.lock();
            if let Some(index) = state.idle.iter().position(|p| Arc::ptr_eq(p, process)) {
                state.idle.swap_remove(index);
            }
            state.live = state.live.saturating_sub(1);
            if was_starting {
                state.starting = state.starting.saturating_sub(1);
            }
            if process.clear_returning() {
                state.returning = state.returning.saturating_sub(1);
            }
            let failed = match init_failure {
                Some(failure) => pop_waiting(&mut state.queue).map(|job| (job, failure)),
                None => None,
            };
            let start = !state.closed && self.reserve_start(&mut state);
            (failed, start)
        };
        if let Some((job, failure)) = failed {
            let invocation = failure.into_invocation(&job.request_id);
            let _ = job.reply.send(Ok(invocation));
        }
        if start {
            self.start_process();
        }
    }

    /// Ends invocation `request_id` of `process` with `invocation` (see [`Process::complete`]); the process now
    /// counts as returning until it asks for its next event or ends.
    pub(crate) fn complete(&self, process: &Process, request_id: &str, invocation: Invocation) -> bool {
        let mut state = self.lock();
        let completed = process.complete(request_id, invocation);
        if completed && process.set_returning() {
            state.returning += 1;
        }
        completed
    }

    /// Refuses new invocations and answers the waiting ones.
    pub(crate) fn close(&self) {
        let queued = {
            let mut state = self.lock();
            state.closed = true;
            std::mem::take(&mut state.queue)
        };
        for job in queued {
            let _ = job.reply.send(Err(InvokeError::ShuttingDown));
        }
    }

    /// (live processes, idle processes, waiting invocations), for tests and diagnostics.
    pub(crate) fn counts(&self) -> (usize, usize, usize) {
        let state = self.lock();
        (state.live, state.idle.len(), state.queue.len())
    }
}

/// The oldest queued invocation whose caller still waits.
fn pop_waiting(queue: &mut VecDeque<Job>) -> Option<Job> {
    while let Some(job) = queue.pop_front() {
        if !job.reply.is_closed() {
            return Some(job);
        }
    }
    None
}

/// Why a process never served an event; answers the invocation that was waiting for it.
#[derive(Debug)]
pub(crate) enum InitFailure {
    /// The runtime posted `/runtime/init/error`: Lambda answers with the posted document.
    Reported { payload: Bytes, error_type: Option<String> },
    /// The process exited first.
    Exited(Option<crate::outcome::ExitStatusText>),
    /// It did not ask for an event within the init timeout.
    TimedOut(std::time::Duration),
}

impl InitFailure {
    fn into_invocation(self, request_id: &str) -> Invocation {
        match self {
            InitFailure::Reported { payload, error_type } => Invocation::failure(request_id, payload, error_type),
            InitFailure::Exited(status) => Invocation::exited(request_id, status.as_ref()),
            InitFailure::TimedOut(timeout) => Invocation::timed_out(request_id, timeout),
        }
    }
}
