//! A shared [`StateStore`](tollgate_runtime::StateStore) over Redis (or Valkey): several Tollgate instances
//! enforce one set of throttles and quotas and share one response cache.
//!
//! Every operation of the runtime's trait is one round trip, bounded by a timeout:
//!
//! * **Throttle** (`acquire`/`release`): a token bucket in one Lua script (`src/lua/bucket.lua`) on a hash
//!   `{t, at}`, refilled on Redis's clock (`TIME`), so the gateway nodes' clocks do not matter. The key
//!   expires when the bucket would be full again.
//! * **Admission** (`admit_at_once`): all of a request's buckets and its quota in one script
//!   (`src/lua/admit.lua`), all or nothing: the round trip the gateway makes for every request.
//! * **Quota** (`consume`): check-then-increment in one Lua script (`src/lua/quota.lua`) on a counter whose
//!   key carries the window's start and which expires an hour after the window ends; a refused request counts
//!   nothing, so a quota of N admits exactly N across all nodes.
//! * **Cache**: a put is one script (`src/lua/cache_put.lua`) that reads the partition's generation and
//!   `SET`s `key value PX ttl` of the encoded response under it (at most 1 MiB of body, never more than the
//!   partition's budget); a lookup is one pipeline of two `GET`s (the partition's generation and the entry);
//!   a flush `INCR`s the generation, so older entries are misses at once on every node and expire by their TTL
//!   (no `SCAN`/`DEL`). The overall memory bound is Redis's `maxmemory` with `maxmemory-policy volatile-ttl`:
//!   see the crate README.
//!
//! Keys are `PREFIX:` plus the runtime's key (the table is in `src/keys.rs`), with the runtime's Redis
//! Cluster hash tags kept. When Redis cannot answer in time — down, restarting, overloaded — the configured
//! [`OnError`] applies: **open** (the default) answers from a per-node [`EmbeddedStore`](tollgate_runtime::EmbeddedStore)
//! with every limit divided by the node count; **closed** refuses throttled and metered requests (429) and
//! caches nothing. After a lost connection (or three timeouts in a row) calls stop going to the network until
//! a background task has reconnected, trying every reconnect interval.

mod config;
mod entry;
mod keys;
mod link;
mod stats;
mod store;

pub use config::{ConfigError, DEFAULT_RECONNECT_INTERVAL, DEFAULT_TIMEOUT, OnError, RedisConfig};
pub use link::Failure;
pub use stats::StoreStats;
pub use store::RedisStore;

/// The cache-entry codec, for the fuzz target: whatever Redis holds under a cache key is read by [`decode`]
/// without panicking.
///
/// [`decode`]: codec::decode
pub mod codec {
    pub use crate::entry::{DecodeError, decode, encode};
}
