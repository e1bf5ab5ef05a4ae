//! AWS service integrations end to end: the built `tollgate` binary serves `tests/fixtures/aws-services.yaml`
//! with its AWS endpoints pointed at a real local AWS (moto, started once per test binary by
//! `.ci/start-moto` and stopped by PID). The typed SDKs set up queues, tables, streams and state machines and
//! read back what the gateway wrote: every test checks the HTTP answer and the effect in the service.
//!
//! moto differences from AWS that a test depends on are named `MOTO_*` constants, with what AWS does.
//!
//! A separate test binary from `e2e`, so the SDK crates are linked only here.

// Test helpers outside #[test] functions unwrap too: a failed setup is a failed test.
#![allow(clippy::unwrap_used)]

// The moto starter shared with tollgate-aws's own moto tests.
#[path = "../../../tollgate-aws/tests/support/mod.rs"]
#[allow(dead_code)]
mod moto;

mod common;
mod gateway;

mod dynamodb;
mod failures;
mod kinesis;
mod load;
mod sqs;
mod stepfunctions;
