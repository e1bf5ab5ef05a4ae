//! `requestTime`: the request time in Common Log Format, always UTC (`22/Jul/2026:03:52:52 +0000`).

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Appends the CLF form of `epoch_ms` (milliseconds since the Unix epoch; milliseconds are dropped).
pub(crate) fn write_clf(out: &mut Vec<u8>, epoch_ms: i64) {
    let seconds = epoch_ms.div_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    push2(out, day);
    out.push(b'/');
    out.extend_from_slice(MONTHS[(month - 1) as usize]);
    out.push(b'/');
    if (0..10_000).contains(&year) {
        push2(out, year / 100);
        push2(out, year % 100);
    } else {
        out.extend_from_slice(itoa::Buffer::new().format(year).as_bytes());
    }
    out.push(b':');
    push2(out, second_of_day / 3600);
    out.push(b':');
    push2(out, second_of_day / 60 % 60);
    out.push(b':');
    push2(out, second_of_day % 60);
    out.extend_from_slice(b" +0000");
}

fn push2(out: &mut Vec<u8>, value: i64) {
    let value = value.rem_euclid(100) as u8;
    out.push(b'0' + value / 10);
    out.push(b'0' + value % 10);
}

/// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month 1..=12, day 1..=31).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clf(epoch_ms: i64) -> String {
        let mut out = Vec::new();
        write_clf(&mut out, epoch_ms);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn formats_like_the_recorded_examples() {
        // Spec §2.3/§6 example pair, and the 2020 CloudWatch dump (05/Dec/2020:01:03:27 +0000, 1607130207917).
        assert_eq!(clf(1_784_692_372_486), "22/Jul/2026:03:52:52 +0000");
        assert_eq!(clf(1_607_130_207_917), "05/Dec/2020:01:03:27 +0000");
        // TestInvoke execution log, 18/Feb/2022:09:07:20 +0000 with requestTimeEpoch 1645175240435.
        assert_eq!(clf(1_645_175_240_435), "18/Feb/2022:09:07:20 +0000");
    }

    #[test]
    fn handles_epoch_edges_and_leap_days() {
        assert_eq!(clf(0), "01/Jan/1970:00:00:00 +0000");
        assert_eq!(clf(-1), "31/Dec/1969:23:59:59 +0000");
        assert_eq!(clf(951_782_400_000), "29/Feb/2000:00:00:00 +0000");
    }
}
