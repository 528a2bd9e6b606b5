//! Option checks shared by every constructor (JWT verifier, Auth.js session, signer).

use crate::error::{Error, Result};

/// A checked non-negative, finite number of seconds.
pub fn seconds_option(name: &str, v: Option<f64>) -> Result<Option<f64>> {
    match v {
        Some(x) if !x.is_finite() || x < 0.0 => Err(Error::options(format!("{name} must be a finite number of seconds, 0 or more"))),
        other => Ok(other),
    }
}

/// A checked positive whole number (byte limits).
pub fn length_option(name: &str, v: Option<f64>, default: usize) -> Result<usize> {
    match v {
        None => Ok(default),
        Some(x) if x.is_finite() && x >= 1.0 && x.fract() == 0.0 && x <= 1e9 => Ok(x as usize),
        Some(_) => Err(Error::options(format!("{name} must be a whole number of bytes, at least 1"))),
    }
}

/// A list that, when given, must not be empty.
pub fn non_empty_list(name: &str, v: Option<Vec<String>>) -> Result<Option<Vec<String>>> {
    match v {
        Some(list) if list.is_empty() => Err(Error::options(format!("{name} must not be an empty list"))),
        other => Ok(other),
    }
}

/// A duration as users write it: a number of seconds, or text such as "15m".
#[derive(Debug, Clone, PartialEq)]
pub enum Span {
    Seconds(f64),
    Text(String),
}

/// The one duration rule (the signer's `expiresIn`/`notBefore`, and through
/// `parseDuration` the JS layer's): a finite number is seconds; text is a number and a
/// unit, "90s", "15m", "2h", "7d", "1w", "1y", "500ms" (or the long unit names). A number
/// in a string without a unit ("3600") is refused: jsonwebtoken reads it as
/// milliseconds, so it has no one meaning. Not rounded.
pub fn duration_seconds(name: &str, span: &Span) -> Result<f64> {
    let bad = || Error::options(format!("{name} must be a number of seconds or a duration such as \"15m\", \"2h\", \"7d\""));
    let t = match span {
        Span::Seconds(s) if s.is_finite() => return Ok(*s),
        Span::Seconds(_) => return Err(Error::options(format!("{name} must be a finite number of seconds"))),
        Span::Text(t) => t.trim(),
    };
    let split = t.find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '-' | '+'))).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| bad())?;
    let unit = unit.trim_start();
    if unit.is_empty() {
        let shown = crate::util::printable(t, 24);
        return Err(Error::options(format!(
            "{name} \"{shown}\" has no unit: jsonwebtoken reads it as milliseconds; write a number (seconds) or \"{shown}s\", \"{shown}ms\""
        )));
    }
    let mult = match unit.to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
        "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => 0.001,
        "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
        "d" | "day" | "days" => 86400.0,
        "w" | "week" | "weeks" => 604800.0,
        "y" | "yr" | "yrs" | "year" | "years" => 31557600.0,
        _ => return Err(bad()),
    };
    let secs = n * mult;
    if !secs.is_finite() {
        return Err(bad());
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals() {
        assert!(seconds_option("x", Some(-1.0)).is_err());
        assert!(seconds_option("x", Some(f64::NAN)).is_err());
        assert_eq!(seconds_option("x", Some(0.0)).unwrap(), Some(0.0));
        assert_eq!(length_option("x", None, 7).unwrap(), 7);
        assert!(length_option("x", Some(0.5), 7).is_err());
        assert!(length_option("x", Some(0.0), 7).is_err());
        assert!(length_option("x", Some(2e9), 7).is_err());
        assert!(non_empty_list("x", Some(vec![])).is_err());
        assert_eq!(non_empty_list("x", None).unwrap(), None);
    }

    #[test]
    fn durations() {
        let s = |t: &str| duration_seconds("x", &Span::Text(t.into()));
        assert_eq!(s("15m").unwrap(), 900.0);
        assert_eq!(s(" 2 h ").unwrap(), 7200.0);
        assert_eq!(s("7d").unwrap(), 604800.0);
        assert_eq!(s("1.5h").unwrap(), 5400.0);
        assert_eq!(s("+.5m").unwrap(), 30.0);
        assert_eq!(s("-10s").unwrap(), -10.0);
        assert_eq!(s("500ms").unwrap(), 0.5);
        assert_eq!(s("2Hours").unwrap(), 7200.0);
        // A unit-less number string is refused (jsonwebtoken reads it as milliseconds).
        let e = s("120").unwrap_err();
        assert!(e.message.contains("has no unit") && e.message.contains("milliseconds"), "{}", e.message);
        assert!(s(" 3600 ").is_err());
        for bad in ["soon", "", "1e3s", "5 parsecs", "s", "1.2.3m", "0x10"] {
            assert!(s(bad).unwrap_err().message.contains("duration such as"), "{bad}");
        }
        assert_eq!(duration_seconds("x", &Span::Seconds(60.5)).unwrap(), 60.5);
        assert!(duration_seconds("x", &Span::Seconds(f64::INFINITY)).is_err());
    }
}
