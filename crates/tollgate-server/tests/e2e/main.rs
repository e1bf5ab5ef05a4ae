//! End-to-end tests: the built `tollgate` binary over TCP.
