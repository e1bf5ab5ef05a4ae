//! End-to-end tests: the built `tollgate` binary, started on fixture APIs and spoken to over TCP.
//!
//! One test binary (modules below) to keep link time down. Every server is started by a test, bounded in
//! time, and stopped by its PID (SIGTERM, then SIGKILL if it does not exit).

mod harness;
mod raw;

mod backend;
mod edge;
mod lifecycle;
mod reload;
mod validate;
