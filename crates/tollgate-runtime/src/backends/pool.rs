//! Idle HTTP/1 connections, per backend origin.
//!
//! A gateway talks to a handful of origins (its integrations' hosts), so they sit in a small vector compared
//! byte by byte: no hashing per request. Each origin keeps its idle connections oldest first; a checkout takes
//! the newest (least likely to have been closed by the backend), the reaper drops from the front.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::conn::Conn;
use http::HeaderValue;
use http::uri::{Authority, Scheme};

/// Where connections go: scheme, host and port, as the integration URI spells them.
#[derive(Debug)]
pub(crate) struct Origin {
    pub(crate) https: bool,
    pub(crate) authority: Authority,
    /// The `Host` header for requests that carry none: the host, and the port unless it is the scheme's default.
    pub(crate) host: HeaderValue,
}

impl Origin {
    fn new(https: bool, authority: &Authority) -> Origin {
        let default_port = if https { 443 } else { 80 };
        let host = match authority.port_u16() {
            Some(port) if port != default_port => HeaderValue::from_str(&format!("{}:{port}", authority.host())),
            _ => HeaderValue::from_str(authority.host()),
        };
        Origin {
            https,
            authority: authority.clone(),
            // An authority is always a valid header value (its grammar is a subset); the fallback is unreachable.
            host: host.unwrap_or_else(|_| HeaderValue::from_static("")),
        }
    }

    /// The URI a connector connects to.
    pub(crate) fn uri(&self) -> Result<http::Uri, http::Error> {
        http::Uri::builder()
            .scheme(if self.https { Scheme::HTTPS } else { Scheme::HTTP })
            .authority(self.authority.clone())
            .path_and_query("/")
            .build()
    }

    fn is(&self, https: bool, authority: &Authority) -> bool {
        self.https == https && self.authority.as_str().as_bytes() == authority.as_str().as_bytes()
    }
}

struct Idle {
    conn: Conn,
    since: Instant,
}

struct Slot {
    origin: Arc<Origin>,
    idle: VecDeque<Idle>,
}

/// The idle connections of every origin, and the limits they are kept under.
pub(crate) struct Pool {
    slots: Mutex<Vec<Slot>>,
    max_idle: usize,
    idle_timeout: Duration,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("idle", &self.idle_count())
            .field("max_idle", &self.max_idle)
            .field("idle_timeout", &self.idle_timeout)
            .finish()
    }
}

impl Pool {
    pub(crate) fn new(max_idle: usize, idle_timeout: Duration) -> Pool {
        Pool {
            slots: Mutex::new(Vec::new()),
            max_idle,
            idle_timeout,
        }
    }

    /// The origin of `https`/`authority`, with its newest live idle connection if it has one.
    pub(crate) fn checkout(&self, https: bool, authority: &Authority) -> (Arc<Origin>, Option<Conn>) {
        let now = Instant::now();
        let mut dropped = Vec::new();
        let mut slots = self.lock();
        let found = match slots.iter_mut().find(|slot| slot.origin.is(https, authority)) {
            Some(slot) => {
                let conn = pop_live(&mut slot.idle, now, self.idle_timeout, &mut dropped);
                (slot.origin.clone(), conn)
            }
            None => {
                let origin = Arc::new(Origin::new(https, authority));
                slots.push(Slot {
                    origin: origin.clone(),
                    idle: VecDeque::new(),
                });
                (origin, None)
            }
        };
        drop(slots);
        // Closing sockets is done outside the lock.
        drop(dropped);
        found
    }

    /// Keeps `conn` for the next request to `origin`, dropping the oldest idle connection past the limit.
    pub(crate) fn put(&self, origin: &Arc<Origin>, conn: Conn) {
        if self.max_idle == 0 {
            return;
        }
        let idle = Idle {
            conn,
            since: Instant::now(),
        };
        let mut slots = self.lock();
        let slot = match slots.iter().position(|slot| Arc::ptr_eq(&slot.origin, origin)) {
            Some(index) => slots.get_mut(index),
            None => {
                // The reaper removed the origin while this connection was busy.
                slots.push(Slot {
                    origin: origin.clone(),
                    idle: VecDeque::new(),
                });
                slots.last_mut()
            }
        };
        let evicted = slot.and_then(|slot| {
            slot.idle.push_back(idle);
            (slot.idle.len() > self.max_idle)
                .then(|| slot.idle.pop_front())
                .flatten()
        });
        drop(slots);
        drop(evicted);
    }

    /// Drops idle connections older than the idle timeout or closed, and origins with nothing idle or busy.
    pub(crate) fn reap(&self) {
        let now = Instant::now();
        let mut dropped = Vec::new();
        let mut slots = self.lock();
        for slot in slots.iter_mut() {
            slot.idle.retain_mut(|idle| idle.conn.is_reusable_when_idle());
            while slot
                .idle
                .front()
                .is_some_and(|idle| now.saturating_duration_since(idle.since) >= self.idle_timeout)
            {
                dropped.extend(slot.idle.pop_front());
            }
        }
        // An origin's `Arc` held elsewhere is a connection in use: keep its slot for its return.
        slots.retain(|slot| !slot.idle.is_empty() || Arc::strong_count(&slot.origin) > 1);
        drop(slots);
        drop(dropped);
    }

    /// How many idle connections the pool holds (all origins).
    pub(crate) fn idle_count(&self) -> usize {
        self.lock().iter().map(|slot| slot.idle.len()).sum()
    }

    pub(crate) fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Slot>> {
        // Nothing panics while holding the lock; a poisoned pool is still a consistent one.
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The newest idle connection that is open and younger than `timeout`; closed or expired ones go to `dropped`.
fn pop_live(idle: &mut VecDeque<Idle>, now: Instant, timeout: Duration, dropped: &mut Vec<Conn>) -> Option<Conn> {
    while let Some(mut entry) = idle.pop_back() {
        if now.saturating_duration_since(entry.since) >= timeout || !entry.conn.is_reusable_when_idle() {
            dropped.push(entry.conn);
        } else {
            return Some(entry.conn);
        }
    }
    None
}
