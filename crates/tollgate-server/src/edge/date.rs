//! The `date` field of answers, formatted once per second per thread (`tollgate_http1::date::imf_fixdate`).

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use tollgate_http1::date::{IMF_FIXDATE_LEN, imf_fixdate};

thread_local! {
    static CACHED: RefCell<(u64, [u8; IMF_FIXDATE_LEN])> = const { RefCell::new((u64::MAX, [0; IMF_FIXDATE_LEN])) };
}

/// Appends the current date, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn extend(out: &mut Vec<u8>) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    CACHED.with(|cached| {
        let mut cached = cached.borrow_mut();
        if cached.0 != now {
            *cached = (now, imf_fixdate(now));
        }
        out.extend_from_slice(&cached.1);
    });
}
