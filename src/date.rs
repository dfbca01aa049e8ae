//! Dates of story versions, as real dumps write them, turned into seconds since the Unix epoch
//! (UTC) so versions can be ordered. The calendar is jiff's; this module only knows which
//! forms to try, in order:
//!
//! - RFC 3339 and ISO 8601 (`2025-01-06T14:12:00Z`, `+01:00` or `+0100` offsets, a space for
//!   the `T`, fractions), and a day alone (`2025-01-06`);
//! - a time without a zone (`2025-01-06 14:12`), taken as UTC;
//! - RFC 2822, as RSS feeds and mail write it (`Mon, 06 Jan 2025 14:12:00 GMT`);
//! - compact forms (GDELT's `20250106T141200Z`, `20250106141200`, `20250106`);
//! - epoch seconds or milliseconds (10 or 13 digits);
//! - day-first numeric dates (`06/01/2025`, `06.01.2025`, with a time or not); month-first
//!   where the day-first reading is impossible (`12/31/2025`);
//! - written months (`6 January 2025`, `Jan 6, 2025`, `January 6 2025`).
//!
//! Anything else is `None`: the version is undated (the caller counts it), never an error.

use jiff::civil::{Date, DateTime};
use jiff::fmt::strtime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Seconds since 1970-01-01T00:00:00Z, or `None` when the text is no date wiretrace reads.
///
/// ```
/// use wiretrace::date::parse;
/// assert_eq!(parse("1970-01-02"), Some(86_400));
/// assert_eq!(parse("1970-01-01T01:00:00+01:00"), Some(0));
/// assert_eq!(parse("Mon, 06 Jan 2025 14:12:00 GMT"), parse("2025-01-06T14:12:00Z"));
/// assert_eq!(parse("yesterday"), None);
/// ```
pub fn parse(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    let b = s.as_bytes();
    // The common case first: ISO 8601 / RFC 3339.
    if b.len() >= 10 && b[4] == b'-' && b[7] == b'-' {
        return iso(s);
    }
    if b.iter().all(u8::is_ascii_digit) {
        return digits_only(s);
    }
    if b[0].is_ascii_alphabetic() {
        if let Ok(z) = jiff::fmt::rfc2822::parse(s) {
            return Some(z.timestamp().as_second());
        }
    }
    compact(s).or_else(|| numeric(s)).or_else(|| written(s))
}

fn utc(dt: DateTime) -> Option<i64> {
    dt.to_zoned(TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_second())
}

fn iso(s: &str) -> Option<i64> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t.as_second());
    }
    if s.len() == 10 {
        return s
            .parse::<Date>()
            .ok()
            .and_then(|d| utc(d.to_datetime(jiff::civil::Time::midnight())));
    }
    if let Ok(dt) = s.parse::<DateTime>() {
        return utc(dt);
    }
    // `+0100` offsets and `HH:MM` times without seconds, which the strict parsers refuse.
    for f in [
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%d %H:%M:%S%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M%z",
    ] {
        if let Ok(t) = Timestamp::strptime(f, s) {
            return Some(t.as_second());
        }
    }
    for f in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(dt) = DateTime::strptime(f, s) {
            return utc(dt);
        }
    }
    None
}

fn digits_only(s: &str) -> Option<i64> {
    let n: i64 = s.parse().ok()?;
    match s.len() {
        8 => Date::strptime("%Y%m%d", s)
            .ok()
            .and_then(|d| utc(d.to_datetime(jiff::civil::Time::midnight()))),
        14 => DateTime::strptime("%Y%m%d%H%M%S", s).ok().and_then(utc),
        9 | 10 => Some(n),
        12 | 13 => Some(n.div_euclid(1000)),
        _ => None,
    }
}

fn compact(s: &str) -> Option<i64> {
    if let Ok(t) = Timestamp::strptime("%Y%m%dT%H%M%S%z", s) {
        return Some(t.as_second());
    }
    let s = s.strip_suffix(['Z', 'z']).unwrap_or(s);
    DateTime::strptime("%Y%m%dT%H%M%S", s).ok().and_then(utc)
}

fn numeric(s: &str) -> Option<i64> {
    let sep = s.bytes().find(|c| matches!(c, b'/' | b'.' | b'-'))? as char;
    let (date, time) = s
        .split_once(' ')
        .map_or((s, None), |(d, t)| (d, Some(t.trim())));
    let day_first = format!("%d{sep}%m{sep}%Y");
    let month_first = format!("%m{sep}%d{sep}%Y");
    let d = Date::strptime(&day_first, date)
        .or_else(|_| Date::strptime(&month_first, date))
        .ok()?;
    let t = match time {
        None => jiff::civil::Time::midnight(),
        Some(t) => ["%H:%M:%S", "%H:%M"]
            .iter()
            .find_map(|f| jiff::civil::Time::strptime(f, t).ok())?,
    };
    utc(d.to_datetime(t))
}

fn written(s: &str) -> Option<i64> {
    let cleaned = s.replace(',', " ");
    let cleaned: String = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    for f in [
        "%d %B %Y",
        "%B %d %Y",
        "%d %b %Y",
        "%b %d %Y",
        "%A %d %B %Y",
        "%a %d %b %Y",
    ] {
        if let Ok(tm) = strtime::parse(f, &cleaned) {
            if let Ok(d) = tm.to_date() {
                return utc(d.to_datetime(jiff::civil::Time::midnight()));
            }
        }
    }
    None
}

/// Formats seconds since the epoch as `YYYY-MM-DD HH:MM` (UTC).
///
/// ```
/// assert_eq!(wiretrace::date::format(1_736_143_966), "2025-01-06 06:12");
/// ```
pub fn format(secs: i64) -> String {
    match Timestamp::from_second(secs) {
        Ok(t) => t.strftime("%Y-%m-%d %H:%M").to_string(),
        Err(_) => "undated".into(),
    }
}

/// As [`format`], but a time of exactly midnight (what a date-only input gives) is left out:
/// `2025-01-06`.
///
/// ```
/// assert_eq!(wiretrace::date::format_shown(1_736_121_600), "2025-01-06");
/// assert_eq!(wiretrace::date::format_shown(1_736_143_966), "2025-01-06 06:12");
/// ```
pub fn format_shown(secs: i64) -> String {
    let full = format(secs);
    match full.strip_suffix(" 00:00") {
        Some(day) if secs % 60 == 0 => day.to_string(),
        _ => full,
    }
}

/// Seconds since the epoch as RFC 3339 in UTC (`2024-03-05T10:00:00Z`), which [`parse`]
/// reads back.
pub fn format_rfc3339(secs: i64) -> String {
    match Timestamp::from_second(secs) {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_the_forms_dumps_carry() {
        let t = Some(1_736_172_720); // 2025-01-06T14:12:00Z
        for s in [
            "2025-01-06T14:12:00Z",
            "2025-01-06 14:12:00Z",
            "2025-01-06T15:12:00+01:00",
            "2025-01-06T15:12:00+0100",
            "2025-01-06 14:12",
            "2025-01-06T14:12:00",
            "Mon, 06 Jan 2025 14:12:00 GMT",
            "Mon, 06 Jan 2025 15:12:00 +0100",
            "20250106T141200Z",
            "20250106141200",
            "1736172720",
            "1736172720000",
            "06/01/2025 14:12",
            "06.01.2025 14:12:00",
        ] {
            assert_eq!(parse(s), t, "{s}");
        }
        let day = Some(1_736_121_600); // 2025-01-06
        for s in [
            "2025-01-06",
            "20250106",
            "06/01/2025",
            "01/06/2025 ",
            "6 January 2025",
            "Jan 6, 2025",
            "January 6 2025",
            "Monday, 6 January 2025",
        ] {
            let want = if s.starts_with("01/06") {
                parse("2025-06-01")
            } else {
                day
            };
            assert_eq!(parse(s), want, "{s}");
        }
        // Month-first where day-first is impossible.
        assert_eq!(parse("12/31/2025"), parse("2025-12-31"));
        assert_eq!(parse("2025-01-06T06:12:46.250Z"), Some(1_736_143_966));
        assert_eq!(parse("1900-01-01"), Some(-2_208_988_800));
        assert_eq!(parse("2024-02-29"), Some(1_709_164_800));
    }

    #[test]
    fn formats_back() {
        for s in ["1970-01-01", "1900-03-01", "2024-02-29", "2025-12-31"] {
            assert_eq!(super::format(parse(s).unwrap()), format!("{s} 00:00"));
            let t = parse(s).unwrap();
            assert_eq!(parse(&super::format_rfc3339(t)), Some(t));
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
            "yesterday",
            "2023-02-29",
            "2024-13-01",
            "2024-01-01T25:00:00Z",
            "2024-01-01Tfoo",
            "31-MAR-1987 605:12:19.12",
            "12345",
            "99/99/9999",
            "not a date at all, really",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
