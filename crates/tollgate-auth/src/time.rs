//! Date layouts AWS's Java services print: Common Log Format and `java.util.Date.toString()`.

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

struct Civil {
    year: i64,
    month: usize,
    day: i64,
    weekday: usize,
    hour: i64,
    minute: i64,
    second: i64,
}

fn civil(seconds: i64) -> Civil {
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year,
        month: usize::try_from(month - 1).unwrap_or(0),
        day,
        // 1970-01-01 was a Thursday.
        weekday: usize::try_from((days + 4).rem_euclid(7)).unwrap_or(0),
        hour: second_of_day / 3600,
        minute: second_of_day / 60 % 60,
        second: second_of_day % 60,
    }
}

fn month_name(index: usize) -> &'static str {
    MONTHS.get(index).copied().unwrap_or("Jan")
}

/// `22/Jul/2026:03:52:52 +0000` for milliseconds since the epoch (`$context.requestTime`).
#[must_use]
pub(crate) fn clf(epoch_ms: i64) -> String {
    let c = civil(epoch_ms.div_euclid(1000));
    format!(
        "{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000",
        c.day,
        month_name(c.month),
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// `Wed Jul 22 04:44:04 UTC 2026`: `java.util.Date.toString()` in UTC for seconds since the epoch, the form of
/// `exp`/`iat` in Cognito claims (spec §6 \[obs\]). The year is printed without padding, as `Date` does.
#[must_use]
pub fn java_date(epoch_seconds: i64) -> String {
    let c = civil(epoch_seconds);
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        WEEKDAYS.get(c.weekday).copied().unwrap_or("Thu"),
        month_name(c.month),
        c.day,
        c.hour,
        c.minute,
        c.second,
        c.year
    )
}

#[cfg(test)]
mod tests {
    use super::{clf, java_date};

    #[test]
    fn layouts() {
        // spec §6: "Wed Jul 22 04:44:04 UTC 2026"; 1784695444 is that instant.
        assert_eq!(java_date(1_784_695_444), "Wed Jul 22 04:44:04 UTC 2026");
        // re:Post QUFJRBaEJRSmmqarNrvCWoQA: iat "Tue Apr 04 17:39:39 UTC 2023" (auth_time 1680629979).
        assert_eq!(java_date(1_680_629_979), "Tue Apr 04 17:39:39 UTC 2023");
        assert_eq!(java_date(0), "Thu Jan 01 00:00:00 UTC 1970");
        assert_eq!(clf(1_784_692_372_486), "22/Jul/2026:03:52:52 +0000");
    }
}
