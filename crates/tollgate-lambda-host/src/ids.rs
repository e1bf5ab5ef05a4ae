//! Request ids, X-Ray trace headers and log stream names in Lambda's formats.

use std::fmt::Write as _;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Unpredictable enough for ids (SipHash of a counter under per-process random keys); not for secrets.
#[derive(Debug, Default)]
pub(crate) struct Ids {
    keys: RandomState,
    counter: AtomicU64,
}

impl Ids {
    fn next_u64(&self) -> u64 {
        let mut hasher = self.keys.build_hasher();
        hasher.write_u64(self.counter.fetch_add(1, Ordering::Relaxed));
        hasher.finish()
    }

    /// A version-4 UUID, as Lambda's request ids are (`8476a536-e9f4-11e8-9739-2dfe598c3fcd` style).
    pub(crate) fn request_id(&self) -> Arc<str> {
        let high = (self.next_u64() & !0xf000) | 0x4000;
        let low = (self.next_u64() & !(0b11 << 62)) | (0b10 << 62);
        let mut text = [0u8; 36];
        let digits = u128::from(high) << 64 | u128::from(low);
        let mut nibble = 0;
        for (at, slot) in text.iter_mut().enumerate() {
            if matches!(at, 8 | 13 | 18 | 23) {
                *slot = b'-';
            } else {
                let shift = 124 - 4 * nibble;
                *slot = HEX.get(((digits >> shift) & 0xf) as usize).copied().unwrap_or(b'0');
                nibble += 1;
            }
        }
        Arc::from(std::str::from_utf8(&text).unwrap_or_default())
    }

    /// An X-Ray trace header `Root=1-{epoch secs hex}-{96 bits hex};Parent={64 bits hex};Sampled=0`.
    pub(crate) fn trace_id(&self) -> String {
        let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        format!(
            "Root=1-{:08x}-{:08x}{:016x};Parent={:016x};Sampled=0",
            secs & 0xffff_ffff,
            self.next_u64() & 0xffff_ffff,
            self.next_u64(),
            self.next_u64()
        )
    }

    /// `YYYY/MM/DD/[$LATEST]{32 hex}`, Lambda's log stream name for an execution environment.
    pub(crate) fn log_stream(&self) -> String {
        let days = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() / 86_400);
        let (year, month, day) = civil_from_days(i64::try_from(days).unwrap_or(0));
        let mut name = format!("{year:04}/{month:02}/{day:02}/[$LATEST]");
        let _ = write!(name, "{:016x}{:016x}", self.next_u64(), self.next_u64());
        name
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, u32::try_from(month).unwrap_or(1), u32::try_from(day).unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_lambdas_shapes() {
        let ids = Ids::default();
        let id = ids.request_id();
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12],
            "{id}"
        );
        assert!(parts[2].starts_with('4'), "{id}");
        assert!(matches!(parts[3].as_bytes()[0], b'8' | b'9' | b'a' | b'b'), "{id}");
        assert_ne!(id, ids.request_id());
        let trace = ids.trace_id();
        assert!(trace.starts_with("Root=1-") && trace.ends_with(";Sampled=0"), "{trace}");
        assert_eq!(
            trace.len(),
            "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=0".len()
        );
        let stream = ids.log_stream();
        assert_eq!(
            stream.len(),
            "2019/09/18/[$LATEST]6fe172b8612d4dabb533236b7604ce9f".len(),
            "{stream}"
        );
    }

    #[test]
    fn dates_from_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(18_157), (2019, 9, 18));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }
}
