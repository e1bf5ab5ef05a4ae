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
        // Hex-encode into one buffer on the stack at fixed positions: this runs on every request, so no `format!`
        // and no per-byte cursor, and both ids share the one copy of it on the heap.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        // Where each of the UUID's 16 bytes starts in `8-4-4-4-12`.
        const AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
        let mut buf = [b'-'; REQUEST_ID_LEN + EXTENDED_ID_LEN];
        for (&at, byte) in AT.iter().zip(uuid.to_be_bytes()) {
            buf[at] = HEX[usize::from(byte >> 4)];
            buf[at + 1] = HEX[usize::from(byte & 0xF)];
        }
        let bytes = b.to_be_bytes();
        base64_11(&bytes, &mut buf[REQUEST_ID_LEN..]);
        let buf = Bytes::copy_from_slice(&buf);
        RequestIds {
            request_id: IdText(buf.slice(..REQUEST_ID_LEN)),
            extended_request_id: IdText(buf.slice(REQUEST_ID_LEN..)),
            trace_bits: (b >> 32 & ((1u128 << 96) - 1), (a >> 64) as u64 ^ (b as u64)),
        }
    }
}

/// Standard base64 of the first 11 of `bytes` into `out` (16 bytes): 15 characters and one `=`, AWS's
/// extended-request-id shape.
fn base64_11(bytes: &[u8; 16], out: &mut [u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (group, chars) in out.chunks_exact_mut(4).take(4).enumerate() {
        let at = group * 3;
        // The fourth group has two bytes: its third is taken as zero, and its last character is padding.
        let third = if group == 3 { 0 } else { bytes[at + 2] };
        let n = u32::from(bytes[at]) << 16 | u32::from(bytes[at + 1]) << 8 | u32::from(third);
        for (i, slot) in chars.iter_mut().enumerate() {
            *slot = ALPHABET[(n >> (18 - 6 * i) & 63) as usize];
        }
    }
    if let Some(last) = out.get_mut(15) {
        *last = b'=';
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

    /// The fixed-position encoders agree with the obvious ones: `format!` hex with dashes, textbook base64.
    #[test]
    fn encodings_match_plain_ones() {
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let ids = RandomIds::seeded(11);
        for n in 0..200u128 {
            let (a, b) = (n.wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835), !n << 7 ^ n);
            let RequestIds {
                request_id,
                extended_request_id,
                ..
            } = if n < 100 {
                RequestIds::from_random(a, b)
            } else {
                ids.next_ids()
            };
            let hex: String = request_id.chars().filter(|&c| c != '-').collect();
            assert_eq!(
                request_id.to_string(),
                format!(
                    "{}-{}-{}-{}-{}",
                    &hex[..8],
                    &hex[8..12],
                    &hex[12..16],
                    &hex[16..20],
                    &hex[20..]
                )
            );
            if n < 100 {
                let uuid = (a & !(0xF << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62);
                assert_eq!(hex, format!("{uuid:032x}"));
                let bytes = b.to_be_bytes();
                let mut expected = String::new();
                for chunk in bytes[..11].chunks(3) {
                    let word = chunk
                        .iter()
                        .enumerate()
                        .fold(0u32, |w, (i, &x)| w | u32::from(x) << (16 - 8 * i));
                    for i in 0..=chunk.len() {
                        expected.push(char::from(B64[(word >> (18 - 6 * i) & 63) as usize]));
                    }
                }
                expected.push('=');
                assert_eq!(extended_request_id.to_string(), expected);
            }
        }
    }
}
