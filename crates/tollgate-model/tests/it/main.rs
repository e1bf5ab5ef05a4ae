//! Integration tests of `tollgate-model`: fixture-driven import and diagnostics suites.

mod fixtures;
