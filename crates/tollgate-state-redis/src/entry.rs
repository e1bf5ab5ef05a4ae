//! A cached response as one Redis string: a small binary header, the method response's headers, the body.
//!
//! ```text
//! "TGC2" | generation (decimal ASCII) | "\n" | status u16 | trace u8 | header count u16
//!        | per header: name length u16, name, value length u32, value
//!        | body (the rest)
//! ```
//!
//! Binary integers are little-endian. The generation is the partition's flush counter when the entry was
//! written, as Redis keeps it (decimal text): the store's script (`src/lua/cache_put.lua`) reads it and writes
//! [`MAGIC`], the generation, `\n` and the [`payload`] in one atomic step, so an entry is never written under a
//! generation older than the one current at that moment. An entry from before a flush is a miss. Whatever Redis returns is checked while it is read (another writer,
//! another version, a truncated value): anything malformed is a miss, never a panic.

use bytes::{BufMut, Bytes};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use tollgate_runtime::state::CachedResponse;

/// The start of every value this store writes.
pub(crate) const MAGIC: &[u8; 4] = b"TGC2";
/// A u64 has at most 20 decimal digits.
const MAX_GENERATION_DIGITS: usize = 20;

/// Why a stored value is not a cache entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Not written by this version of the store.
    Magic,
    /// Shorter than its header says.
    Truncated,
    /// The generation is not a decimal number followed by a line feed.
    Generation,
    /// A status outside 100–999.
    Status,
    /// A header name or value HTTP does not allow.
    Header,
}

/// The whole value of `entry` written under cache generation `generation` (what the script writes).
pub fn encode(entry: &CachedResponse, generation: u64) -> Vec<u8> {
    let payload = payload(entry);
    let generation = generation.to_string();
    let mut out = Vec::with_capacity(MAGIC.len() + generation.len() + 1 + payload.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(generation.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(&payload);
    out
}

/// Everything after the generation: status, trace flag, headers, body.
pub(crate) fn payload(entry: &CachedResponse) -> Vec<u8> {
    let headers: usize = entry
        .headers
        .iter()
        .map(|(name, value)| 6 + name.as_str().len() + value.len())
        .sum();
    let mut out = Vec::with_capacity(2 + 1 + 2 + headers + entry.body.len());
    out.put_u16_le(entry.status.as_u16());
    out.put_u8(u8::from(entry.trace_header));
    // A HeaderMap of more than 65,535 entries or a value over 4 GiB cannot come out of a 1 MiB response mapping;
    // such a map is stored without the excess rather than corrupted.
    let count = entry.headers.len().min(usize::from(u16::MAX));
    out.put_u16_le(count as u16);
    for (name, value) in entry.headers.iter().take(count) {
        let name = name.as_str().as_bytes();
        out.put_u16_le(name.len().min(usize::from(u16::MAX)) as u16);
        out.put_slice(name.get(..usize::from(u16::MAX)).unwrap_or(name));
        out.put_u32_le(u32::try_from(value.len()).unwrap_or(u32::MAX));
        out.put_slice(value.as_bytes().get(..u32::MAX as usize).unwrap_or(value.as_bytes()));
    }
    out.put_slice(&entry.body);
    out
}

/// Reads a stored value: the generation it was written under and the response. The body shares `value`'s
/// buffer.
///
/// # Errors
///
/// [`DecodeError`] for anything this encoder did not write.
pub fn decode(value: Bytes) -> Result<(u64, CachedResponse), DecodeError> {
    let mut reader = Reader { value, at: 0 };
    if reader.take(4)? != MAGIC.as_slice() {
        return Err(DecodeError::Magic);
    }
    let generation = reader.generation()?;
    let status = StatusCode::from_u16(u16::from_le_bytes(reader.array()?)).map_err(|_| DecodeError::Status)?;
    let [trace] = reader.array()?;
    let count = u16::from_le_bytes(reader.array()?);
    let mut headers = HeaderMap::with_capacity(usize::from(count).min(64));
    for _ in 0..count {
        let length = usize::from(u16::from_le_bytes(reader.array()?));
        let name = HeaderName::from_bytes(&reader.take(length)?).map_err(|_| DecodeError::Header)?;
        let length = u32::from_le_bytes(reader.array()?) as usize;
        let value = HeaderValue::from_maybe_shared(reader.take(length)?).map_err(|_| DecodeError::Header)?;
        headers.append(name, value);
    }
    let body = reader.rest();
    Ok((generation, CachedResponse::new(status, headers, body, trace != 0)))
}

struct Reader {
    value: Bytes,
    at: usize,
}

impl Reader {
    fn take(&mut self, length: usize) -> Result<Bytes, DecodeError> {
        let end = self.at.checked_add(length).ok_or(DecodeError::Truncated)?;
        if end > self.value.len() {
            return Err(DecodeError::Truncated);
        }
        let out = self.value.slice(self.at..end);
        self.at = end;
        Ok(out)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let bytes = self.take(N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(&bytes);
        Ok(out)
    }

    /// Decimal digits up to a line feed.
    fn generation(&mut self) -> Result<u64, DecodeError> {
        let rest = self.value.get(self.at..).unwrap_or_default();
        let digits = rest
            .iter()
            .take(MAX_GENERATION_DIGITS + 1)
            .position(|b| *b == b'\n')
            .ok_or(DecodeError::Generation)?;
        let digits = self.take(digits)?;
        let generation = std::str::from_utf8(&digits)
            .ok()
            .filter(|text| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|text| text.parse::<u64>().ok())
            .ok_or(DecodeError::Generation)?;
        // The line feed.
        self.take(1)?;
        Ok(generation)
    }

    fn rest(self) -> Bytes {
        self.value.slice(self.at.min(self.value.len())..)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> CachedResponse {
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.append("set-cookie", HeaderValue::from_static("a=1"));
        headers.append("set-cookie", HeaderValue::from_static("b=2"));
        headers.insert("x-bin", HeaderValue::from_bytes(b"caf\xe9").unwrap());
        CachedResponse::new(
            StatusCode::CREATED,
            headers,
            Bytes::from_static(b"{\"ok\":true}\0\xff"),
            true,
        )
    }

    #[test]
    fn round_trip() {
        let entry = sample();
        let encoded = encode(&entry, 42);
        assert!(encoded.starts_with(b"TGC242\n"));
        let (generation, decoded) = decode(Bytes::from(encoded)).unwrap();
        assert_eq!(generation, 42);
        let (generation, _) = decode(Bytes::from(encode(&entry, u64::MAX))).unwrap();
        assert_eq!(generation, u64::MAX);
        assert_eq!(decoded.status, entry.status);
        assert_eq!(decoded.headers, entry.headers);
        assert_eq!(decoded.body, entry.body);
        assert!(decoded.trace_header);
        let empty = CachedResponse::new(StatusCode::OK, HeaderMap::new(), Bytes::new(), false);
        let (_, decoded) = decode(Bytes::from(encode(&empty, 0))).unwrap();
        assert!(decoded.headers.is_empty() && decoded.body.is_empty() && !decoded.trace_header);
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let encoded = encode(&sample(), 7);
        let body_start = encoded.len() - sample().body.len();
        for cut in 0..body_start {
            let result = decode(Bytes::copy_from_slice(&encoded[..cut]));
            assert!(result.is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn foreign_values_are_refused() {
        assert_eq!(decode(Bytes::from_static(b"hello")).unwrap_err(), DecodeError::Magic);
        // The binary generation of the first version of this format.
        assert_eq!(
            decode(Bytes::from_static(b"TGC1\x01\0\0\0\0\0\0\0\xc8\0")).unwrap_err(),
            DecodeError::Magic
        );
        for generation in [
            &b"TGC2\n"[..],
            b"TGC2-1\n",
            b"TGC2 1\n",
            b"TGC2999999999999999999999\n",
            b"TGC212",
        ] {
            assert_eq!(
                decode(Bytes::from_static(generation)).unwrap_err(),
                DecodeError::Generation,
                "{}",
                String::from_utf8_lossy(generation)
            );
        }
        // Magic, then "1\n", then the status.
        let mut bad_status = encode(&sample(), 1);
        bad_status[6..8].copy_from_slice(&5u16.to_le_bytes());
        assert_eq!(decode(Bytes::from(bad_status)).unwrap_err(), DecodeError::Status);
        let mut bad_name = encode(&sample(), 1);
        // The first header name starts after magic, generation, status, trace, count and its length.
        bad_name[4 + 2 + 2 + 1 + 2 + 2] = b' ';
        assert_eq!(decode(Bytes::from(bad_name)).unwrap_err(), DecodeError::Header);
    }
}
