//! Small helpers shared by the modules.

/// A short, printable excerpt of an untrusted string for an error message:
/// at most `max` characters, control characters replaced. Never used on tokens or keys.
pub fn printable(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

/// The current time in seconds since the epoch, as a float (JWT NumericDate).
pub fn now_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
