//! End-to-end tests of the local function host with real runtime clients (one test binary, one module per
//! concern). Each test starts its own host and stops it; every wait is bounded.

// Test helpers outside #[test] functions unwrap too: a failure is the test's failure.
#![allow(clippy::unwrap_used)]

mod lifecycle;
mod node;
mod protocol;
mod python;
mod rust;
mod support;
