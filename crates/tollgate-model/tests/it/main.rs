//! Integration tests of `tollgate-model`: fixture-driven import and diagnostics suites, template locations,
//! reader edge cases, stages.

mod fixtures;
mod locations;
mod readers;
mod stage;
