//! End-to-end tests: the built `tollgate` binary, started on fixture APIs and spoken to over TCP.
//!
//! One test binary (modules below) to keep link time down. Every server is started by a test, bounded in
//! time, and stopped by its PID (SIGTERM, then SIGKILL if it does not exit).

// clippy.toml allows unwrap in tests, but only inside `#[test]` functions; in this harness a failed unwrap is
// a failed test just the same.
#![allow(clippy::unwrap_used)]

mod harness;
// Shared with the binary's in-process edge tests, which use a different subset of it.
#[allow(dead_code)]
mod raw;

mod authorizers;
mod backend;
mod edge;
mod lambda;
mod lean_runtime;
mod lifecycle;
mod redis_state;
mod reload;
mod usage_plans;
mod validate;
mod validation_binary;
