//! The `date` field of answers (IMF-fixdate, RFC 9110 §5.6.7), formatted once per second per thread.

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

const LENGTH: usize = 29;

thread_local! {
    static CACHED: RefCell<(u64, [u8; LENGTH])> = const { RefCell::new((u64::MAX, [0; LENGTH])) };
}

/// Appends the current date, e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
pub(crate) fn extend(out: &mut Vec<u8>) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    CACHED.with(|cached| {
        let mut cached = cached.borrow_mut();
        if cached.0 != now {
            *cached = (now, format(now));
        }
        out.extend_from_slice(&cached.1);
    });
}

fn format(secs: u64) -> [u8; LENGTH] {
    const WEEKDAYS: [&[u8; 3]; 7] = [b"Thu", b"Fri", b"Sat", b"Sun", b"Mon", b"Tue", b"Wed"];
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
    ];
    let days = secs / 86_400;
    let of_day = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let mut out = [0u8; LENGTH];
    let weekday = WEEKDAYS.get((days % 7) as usize).copied().unwrap_or(b"Thu");
    let month_name = MONTHS.get(month.saturating_sub(1) as usize).copied().unwrap_or(b"Jan");
    let two = |n: u64| [b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8];
    let parts: [&[u8]; 13] = [
        weekday,
        b", ",
        &two(day),
        b" ",
        month_name,
        b" ",
        &[
            b'0' + (year / 1000 % 10) as u8,
            b'0' + (year / 100 % 10) as u8,
            b'0' + (year / 10 % 10) as u8,
            b'0' + (year % 10) as u8,
        ],
        b" ",
        &two(of_day / 3600),
        b":",
        &two(of_day / 60 % 60),
        b":",
        &[two(of_day % 60)[0], two(of_day % 60)[1], b' ', b'G', b'M', b'T'],
    ];
    let mut at = 0;
    for part in parts {
        for &byte in part {
            if let Some(slot) = out.get_mut(at) {
                *slot = byte;
            }
            at += 1;
        }
    }
    out
}

/// Days since 1970-01-01 to (year, month 1–12, day 1–31), Howard Hinnant's algorithm.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_httpdate() {
        assert_eq!(&format(784_111_777), b"Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(&format(0), b"Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(&format(951_782_400), b"Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(&format(1_795_737_599), b"Thu, 26 Nov 2026 23:59:59 GMT");
    }
}
