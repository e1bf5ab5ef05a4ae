//! Quota periods as UTC calendar windows (spec §9.2: alignment [unk], decided: UTC calendar periods; weeks
//! start on Sunday, as the older SDK documentation of `QuotaSettings.offset` describes week 0).

use std::time::SystemTime;

use crate::state::QuotaWindow;
use tollgate_http1::date::civil_from_days;

/// `QuotaSettings.period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum QuotaPeriod {
    /// A UTC day, from midnight.
    Day,
    /// A UTC week, from Sunday midnight.
    Week,
    /// A UTC calendar month, from the first at midnight.
    Month,
}

const DAY: u64 = 86_400;

impl QuotaPeriod {
    pub(crate) fn parse(text: &str) -> Option<QuotaPeriod> {
        match text {
            "DAY" => Some(QuotaPeriod::Day),
            "WEEK" => Some(QuotaPeriod::Week),
            "MONTH" => Some(QuotaPeriod::Month),
            _ => None,
        }
    }

    /// The window containing `now`.
    pub(crate) fn window(self, now: SystemTime) -> QuotaWindow {
        let seconds = now.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let day = seconds / DAY;
        match self {
            QuotaPeriod::Day => QuotaWindow {
                start: day * DAY,
                end: (day + 1) * DAY,
            },
            QuotaPeriod::Week => {
                // 1970-01-01 was a Thursday: day 0 is weekday 4 counting from Sunday.
                let sunday = day.saturating_sub((day + 4) % 7);
                QuotaWindow {
                    start: sunday * DAY,
                    end: (sunday + 7) * DAY,
                }
            }
            QuotaPeriod::Month => {
                let (year, month, _) = civil_from_days(i64::try_from(day).unwrap_or(i64::MAX));
                let (next_year, next_month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
                QuotaWindow {
                    start: first_of_month(year, month),
                    end: first_of_month(next_year, next_month),
                }
            }
        }
    }
}

/// Seconds since the epoch of the first of `month` (1–12) of `year`, at midnight UTC.
fn first_of_month(year: i64, month: u32) -> u64 {
    u64::try_from(days_from_civil(year, month, 1)).unwrap_or(0) * DAY
}

/// Howard Hinnant's civil-to-days: days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let month = i64::from(month);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    /// 2026-07-22T03:52:52Z, the spec's example time (a Wednesday).
    const EXAMPLE: u64 = 1_784_692_372;

    #[test]
    fn day_week_and_month_windows() {
        // 2026-07-22 00:00 → 2026-07-23 00:00.
        assert_eq!(
            QuotaPeriod::Day.window(at(EXAMPLE)),
            QuotaWindow {
                start: 1_784_678_400,
                end: 1_784_764_800
            }
        );
        // Sunday 2026-07-19 00:00 → Sunday 2026-07-26 00:00.
        assert_eq!(
            QuotaPeriod::Week.window(at(EXAMPLE)),
            QuotaWindow {
                start: 1_784_419_200,
                end: 1_785_024_000
            }
        );
        // 2026-07-01 → 2026-08-01.
        assert_eq!(
            QuotaPeriod::Month.window(at(EXAMPLE)),
            QuotaWindow {
                start: 1_782_864_000,
                end: 1_785_542_400
            }
        );
    }

    #[test]
    fn month_boundaries() {
        // The last second of February 2024 (a leap year) and the first of March.
        let feb = QuotaPeriod::Month.window(at(1_709_251_199));
        assert_eq!((feb.start, feb.end), (1_706_745_600, 1_709_251_200));
        assert_eq!((feb.end - feb.start) / DAY, 29);
        let march = QuotaPeriod::Month.window(at(1_709_251_200));
        assert_eq!(march.start, feb.end);
        // December rolls into the next year: 2025-12-31T23:59:59Z.
        let december = QuotaPeriod::Month.window(at(1_767_225_599));
        assert_eq!((december.start, december.end), (1_764_547_200, 1_767_225_600));
        // A day window ends where the next begins.
        let day = QuotaPeriod::Day.window(at(1_767_225_599));
        assert_eq!(QuotaPeriod::Day.window(at(day.end)).start, day.end);
    }

    #[test]
    fn week_starts_on_sunday() {
        // 2026-07-19 is a Sunday.
        let sunday = 1_784_419_200;
        assert_eq!(QuotaPeriod::Week.window(at(sunday)).start, sunday);
        assert_eq!(QuotaPeriod::Week.window(at(sunday - 1)).start, sunday - 7 * DAY);
        // The epoch's first days (before its first Sunday) do not underflow.
        assert_eq!(QuotaPeriod::Week.window(at(0)).start, 0);
        assert_eq!(QuotaPeriod::parse("WEEK"), Some(QuotaPeriod::Week));
        assert_eq!(QuotaPeriod::parse("week"), None);
    }
}
