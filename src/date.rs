//! Dates of story versions: RFC 3339 timestamps or plain `YYYY-MM-DD` days, turned into seconds
//! since the Unix epoch so versions can be ordered without a calendar crate.

/// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` (a space may replace the `T`).
/// Returns seconds since 1970-01-01T00:00:00Z, or `None` when the text is not such a date.
///
/// ```
/// assert_eq!(wiretrace::date::parse("1970-01-02"), Some(86_400));
/// assert_eq!(wiretrace::date::parse("1970-01-01T01:00:00+01:00"), Some(0));
/// assert_eq!(wiretrace::date::parse("yesterday"), None);
/// ```
pub fn parse(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut secs = days_from_civil(year, month, day) * 86_400;
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(secs);
    }
    if rest.len() < 9 || !(rest[0] == b'T' || rest[0] == b't' || rest[0] == b' ') {
        return None;
    }
    if rest[3] != b':' || rest[6] != b':' {
        return None;
    }
    let (h, m, sec) = (
        digits(&rest[1..3])?,
        digits(&rest[4..6])?,
        digits(&rest[7..9])?,
    );
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    secs += h * 3600 + m * 60 + sec;
    let mut tz = &rest[9..];
    if let Some(b'.') = tz.first() {
        let n = tz[1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        tz = &tz[1 + n..];
    }
    match tz {
        [] | [b'Z'] | [b'z'] => Some(secs),
        [sign @ (b'+' | b'-'), hh @ ..] if hh.len() == 5 && hh[2] == b':' => {
            let off = digits(&hh[0..2])? * 3600 + digits(&hh[3..5])? * 60;
            Some(if *sign == b'+' {
                secs - off
            } else {
                secs + off
            })
        }
        _ => None,
    }
}

/// Formats seconds since the epoch as `YYYY-MM-DD HH:MM` (UTC).
///
/// ```
/// assert_eq!(wiretrace::date::format(1_736_143_966), "2025-01-06 06:12");
/// ```
pub fn format(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// Seconds since the epoch as RFC 3339 in UTC (`2024-03-05T10:00:00Z`), which [`parse`]
/// reads back.
pub fn format_rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The inverse of [`days_from_civil`] (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_the_accepted_forms() {
        assert_eq!(parse("1970-01-01"), Some(0));
        assert_eq!(parse("2025-01-06T06:12:46Z"), Some(1_736_143_966));
        assert_eq!(parse("2025-01-06 06:12:46.250Z"), Some(1_736_143_966));
        assert_eq!(parse("2025-01-06T07:12:46+01:00"), Some(1_736_143_966));
        assert_eq!(parse("1900-01-01"), Some(-2_208_988_800));
        assert_eq!(parse("2024-02-29"), Some(1_709_164_800));
    }

    #[test]
    fn formats_back() {
        for s in ["1970-01-01", "1900-03-01", "2024-02-29", "2025-12-31"] {
            assert_eq!(super::format(parse(s).unwrap()), format!("{s} 00:00"));
        }
        assert_eq!(
            super::format(parse("2025-01-06T06:12:46Z").unwrap()),
            "2025-01-06 06:12"
        );
    }

    #[test]
    fn rejects_what_is_not_a_date() {
        for bad in [
            "",
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "2024-01-01T25:00:00Z",
            "2024-01-01Tfoo",
            "2024-01-01T10:00:00+0100",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
