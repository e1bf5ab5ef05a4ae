//! The time formats API Gateway uses: `$context.requestTime` (CLF) and epoch milliseconds.

use std::time::{SystemTime, UNIX_EPOCH};

use tollgate_http1::date::civil_from_days;

/// Milliseconds since the Unix epoch (`$context.requestTimeEpoch`); 0 before 1970.
pub(crate) fn epoch_millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// `22/Jul/2026:03:52:52 +0000`, the Common Log Format date AWS uses for `$context.requestTime`.
pub(crate) fn clf(time: SystemTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = epoch_millis(time) / 1000;
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    let name = MONTHS.get(month.saturating_sub(1) as usize).copied().unwrap_or("Jan");
    if !(1000..=9999).contains(&year) {
        return format!(
            "{day:02}/{name}/{year}:{:02}:{:02}:{:02} +0000",
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        );
    }
    // Digits by hand: every templated request formats this once.
    let mut out = String::with_capacity(26);
    push_2(&mut out, u64::from(day));
    out.push('/');
    out.push_str(name);
    out.push('/');
    push_2(&mut out, year as u64 / 100);
    push_2(&mut out, year as u64 % 100);
    out.push(':');
    push_2(&mut out, rem / 3600);
    out.push(':');
    push_2(&mut out, rem / 60 % 60);
    out.push(':');
    push_2(&mut out, rem % 60);
    out.push_str(" +0000");
    out
}

/// Two decimal digits of `n` (below 100).
fn push_2(out: &mut String, n: u64) {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    // Source: spec §2.3 ($context.requestTime / requestTimeEpoch example pair).
    #[test]
    fn formats_aws_example() {
        let time = UNIX_EPOCH + Duration::from_millis(1_784_692_372_486);
        assert_eq!(clf(time), "22/Jul/2026:03:52:52 +0000");
        assert_eq!(epoch_millis(time), 1_784_692_372_486);
        assert_eq!(clf(UNIX_EPOCH), "01/Jan/1970:00:00:00 +0000");
        assert_eq!(
            clf(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "29/Feb/2000:00:00:00 +0000"
        );
        // Years past 9999 keep the general format.
        assert_eq!(
            clf(UNIX_EPOCH + Duration::from_secs(253_402_300_800)),
            "01/Jan/10000:00:00:00 +0000"
        );
        assert_eq!(
            clf(UNIX_EPOCH + Duration::from_secs(1_784_692_372 + 86_399 - 3 * 3600 - 52 * 60 - 52)),
            "22/Jul/2026:23:59:59 +0000"
        );
    }
}
