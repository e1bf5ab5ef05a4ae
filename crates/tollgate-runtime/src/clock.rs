//! Injected time and identifiers, so tests are deterministic and production is cheap.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use bytes::Bytes;
use http::HeaderValue;

/// The gateway's source of wall-clock time (`$context.requestTime`, latencies, X-Ray roots).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// The identifiers of one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestIds {
    /// `$context.requestId` and `x-amzn-RequestId`: a lowercase UUID (`0547626d-6f57-4e19-b03e-92289aea3627`).
    pub request_id: IdText,
    /// `$context.extendedRequestId` and `x-amz-apigw-id`: 16 characters ending in `=` (`A463RGFevHcEhcA=`).
    pub extended_request_id: IdText,
    /// 96 random bits for an X-Ray trace id (`Root=1-{time}-{24 hex}`) and 64 for its `Parent`.
    pub trace_bits: (u128, u64),
}

/// The text of a request id: ASCII, shared with the response header that carries it (both ids of a request
/// live in one buffer, so making them and their two headers costs two allocations: the buffer and its share count).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct IdText(Bytes);

impl IdText {
    /// The id.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The id as a header value, sharing its bytes.
    pub(crate) fn header_value(&self) -> Option<HeaderValue> {
        HeaderValue::from_maybe_shared(self.0.clone()).ok()
    }
}

impl std::ops::Deref for IdText {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for IdText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for IdText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Length of a request id (a UUID) and of an extended request id.
const REQUEST_ID_LEN: usize = 36;
const EXTENDED_ID_LEN: usize = 16;

impl RequestIds {
    /// Ids derived from 128 + 128 bits of randomness: a version-4 UUID and an extended id from 11 more bytes.
    pub fn from_random(a: u128, b: u128) -> RequestIds {
        let uuid = (a & !(0xF << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
        // Hex-encode into one buffer on the stack: this runs on every request, so no `format!`, and both ids
        // share the one copy of it on the heap.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut buf = [0u8; REQUEST_ID_LEN + EXTENDED_ID_LEN];
        let mut slots = buf.iter_mut();
        let mut put = |byte: u8| {
            if let Some(slot) = slots.next() {
                *slot = byte;
            }
        };
        for (index, byte) in uuid.to_be_bytes().iter().enumerate() {
            if matches!(index, 4 | 6 | 8 | 10) {
                put(b'-');
            }
            put(HEX[usize::from(byte >> 4)]);
            put(HEX[usize::from(byte & 0xF)]);
        }
        let bytes = b.to_be_bytes();
        base64_11(&bytes[..11], &mut put);
        let buf = Bytes::copy_from_slice(&buf);
        RequestIds {
            request_id: IdText(buf.slice(..REQUEST_ID_LEN)),
            extended_request_id: IdText(buf.slice(REQUEST_ID_LEN..)),
            trace_bits: (b >> 32 & ((1u128 << 96) - 1), (a >> 64) as u64 ^ (b as u64)),
        }
    }
}

/// Standard base64 of 11 bytes: 15 characters and one `=`, AWS's extended-request-id shape.
fn base64_11(bytes: &[u8], out: &mut impl FnMut(u8)) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let b0 = chunk.first().copied().unwrap_or(0);
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let n = u32::from(b0) << 16 | u32::from(b1) << 8 | u32::from(b2);
        let chars = chunk.len() + 1;
        for i in 0..4 {
            if i < chars {
                out(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]);
            } else {
                out(b'=');
            }
        }
    }
}

/// The gateway's source of request identifiers.
pub trait IdGenerator: Send + Sync + std::fmt::Debug {
    /// Fresh ids for one request.
    fn next_ids(&self) -> RequestIds;
}

/// Random ids from a per-process seed (std's randomly keyed hasher) and a counter: unique, unpredictable
/// enough for ids (they are not secrets), and lock-free.
#[derive(Debug)]
pub struct RandomIds {
    seed: (u64, u64),
    counter: AtomicU64,
}

impl Default for RandomIds {
    fn default() -> Self {
        let state = std::collections::hash_map::RandomState::new();
        let mut h1 = state.build_hasher();
        h1.write_u64(0x746f_6c6c_6761_7465);
        let mut h2 = state.build_hasher();
        h2.write_u64(0x6761_7465_7761_7921);
        RandomIds {
            seed: (h1.finish(), h2.finish()),
            counter: AtomicU64::new(0),
        }
    }
}

impl RandomIds {
    /// A deterministic generator (tests, benchmarks): the same seed gives the same sequence.
    pub fn seeded(seed: u64) -> RandomIds {
        RandomIds {
            seed: (splitmix(seed), splitmix(seed ^ 0x9E37_79B9_7F4A_7C15)),
            counter: AtomicU64::new(0),
        }
    }
}

impl IdGenerator for RandomIds {
    fn next_ids(&self) -> RequestIds {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let words: [u64; 4] =
            std::array::from_fn(|i| splitmix(self.seed.0 ^ splitmix(n.wrapping_mul(4) + i as u64 + self.seed.1)));
        let a = u128::from(words[0]) << 64 | u128::from(words[1]);
        let b = u128::from(words[2]) << 64 | u128::from(words[3]);
        RequestIds::from_random(a, b)
    }
}

/// SplitMix64: a tiny, well-distributed 64-bit mixer.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_shapes() {
        let ids = RandomIds::seeded(7);
        for _ in 0..100 {
            let RequestIds {
                request_id,
                extended_request_id,
                ..
            } = ids.next_ids();
            assert_eq!(request_id.len(), 36, "{request_id}");
            assert_eq!(request_id.as_bytes()[14], b'4', "{request_id}");
            assert!(b"89ab".contains(&request_id.as_bytes()[19]), "{request_id}");
            assert_eq!(extended_request_id.len(), 16, "{extended_request_id}");
            assert!(extended_request_id.ends_with('=') && !extended_request_id.ends_with("=="));
        }
        assert_eq!(RandomIds::seeded(7).next_ids(), RandomIds::seeded(7).next_ids());
        assert_ne!(ids.next_ids(), ids.next_ids());
    }
}
