//! The session payload `{ session, user, updatedAt, version }` (plus iat/exp/nbf for jwt and
//! jwe) as better-auth's zod schema reads it (dist/cookies/cache.mjs), checked in steps: the
//! times, the top-level members, the `session` and `user` members, the version, the
//! session's own expiry; then the result's JSON, built from the payload's own bytes.

use serde_json::Value;

use super::members::{fields, Scalar, SESSION, USER};
use super::top::{top, Top};
use super::{BetterAuthCache, BetterAuthSession, Strategy};
use crate::error::{Error, ErrorCode, Result};


/// The payload's top-level members, present and of their types.
struct Required<'p, 'v> {
    session: &'p str,
    user: &'p str,
    updated_at: &'p str,
    version: &'v str,
}

/// What the checked `session` and `user` members give the result.
struct Members {
    session_id: String,
    token: String,
    user_id: String,
    session_exp_ms: f64,
    created_ms: Option<f64>,
}

fn missing(name: &str) -> Error {
    Error::claim(ErrorCode::JwtClaimMissing, name, format!("the cookie cache has no {name}"))
}

fn invalid(name: &str, what: &str) -> Error {
    Error::claim(ErrorCode::JwtClaimInvalid, name, format!("the cookie cache's {name} {what}"))
}

/// ERR_JWT_EXPIRED for `claim`: `what` expired `ago` seconds ago.
fn expired(claim: &str, what: &str, ago: f64) -> Error {
    Error::claim(ErrorCode::JwtExpired, claim, format!("{what} expired {} ago", crate::jwt::claims::span_words(ago)))
}

impl BetterAuthSession {
    /// Checks the payload `{ session, user, updatedAt, version }` (plus iat/exp/nbf for jwt
    /// and jwe) and builds the result. `cache_exp` is the compact cookie's expiry.
    pub(super) fn payload(&self, json: &[u8], strategy: Strategy, cache_exp: Option<f64>, now: f64, tolerance: f64) -> Result<BetterAuthCache> {
        let text = std::str::from_utf8(json).map_err(|_| Error::malformed("the session payload is not UTF-8"))?;
        self.payload_text(text, strategy, cache_exp, now, tolerance)
    }

    /// As `payload`, for a payload already known to be UTF-8.
    pub(super) fn payload_text(&self, text: &str, strategy: Strategy, cache_exp: Option<f64>, now: f64, tolerance: f64) -> Result<BetterAuthCache> {
        let mut p = top(text).map_err(|_| Error::malformed("the session payload is not a JSON object (or repeats a member)"))?;
        // Times first (as jose checks them before better-auth looks at the payload).
        let cache_exp = cache_expiry(&p, cache_exp, now, tolerance)?;
        let read = p.read.take();
        let r = required(&p)?;
        let m = check_members(r.session, r.user, read)?;
        self.check_version(r.version)?;
        let session_exp = session_expiry(m.session_exp_ms, now, tolerance)?;
        let exp = cache_exp.min(session_exp);
        let (json, session_at, user_at) = cache_json(&r, text.len(), strategy, cache_exp, exp);
        let Members { session_id, token, user_id, created_ms, .. } = m;
        let issued_at = created_ms.map(|m| m / 1000.0);
        Ok(BetterAuthCache { json, strategy, exp, user_id, session_id, token, issued_at, session_at, user_at })
    }

    /// The payload's version against the configured one (a changed version invalidates caches).
    fn check_version(&self, version: &str) -> Result<()> {
        if version != self.version {
            return Err(Error::claim(
                ErrorCode::JwtClaimInvalid,
                "version",
                format!(
                    "the cookie cache is version '{}', this decoder expects '{}' (session.cookieCache.version was changed to invalidate caches)",
                    crate::util::printable(version, 24),
                    crate::util::printable(&self.version, 24)
                ),
            ));
        }
        Ok(())
    }
}

/// The cache's expiry, in seconds: the compact cookie's own `expiresAt` (`cache_exp`), else
/// the payload's `exp` once its times pass (`iat`, `nbf`, `exp` as jose checks them).
fn cache_expiry(p: &Top, cache_exp: Option<f64>, now: f64, tolerance: f64) -> Result<f64> {
    match cache_exp {
        Some(e) => {
            if e < now - tolerance {
                return Err(expired("expiresAt", "the cookie cache", now - e));
            }
            Ok(e)
        }
        None => {
            let times = crate::session::checked_times(p.exp.as_ref(), p.nbf.as_ref(), p.iat.as_ref(), now, tolerance)?;
            times.exp.ok_or_else(|| Error::claim(ErrorCode::JwtClaimMissing, "exp", "the cookie cache has no exp claim"))
        }
    }
}

/// `session`, `user` and `updatedAt` present (`updatedAt` a number), `version` a string
/// when given (absent or empty: "1").
fn required<'p, 'v>(p: &'v Top<'p>) -> Result<Required<'p, 'v>> {
    let session = p.session.ok_or_else(|| missing("session"))?;
    let user = p.user.ok_or_else(|| missing("user"))?;
    let updated_at = p.updated_at.ok_or_else(|| missing("updatedAt"))?;
    if !is_number(updated_at) {
        return Err(invalid("updatedAt", "must be a number"));
    }
    let version = match &p.version {
        None => "1",
        Some(Value::String(s)) if s.is_empty() => "1",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(invalid("version", "must be a string")),
    };
    Ok(Required { session, user, updated_at, version })
}

/// The members better-auth's schema requires of `session` and `user`, borrowed from the text
/// (one pass each, nothing built for the members not asked for; a repeated one is refused):
/// ids and token strings, dates as better-auth writes them, nullable strings, emailVerified.
/// `read`: those members when the payload's one pass read them already.
fn check_members<'p>(session: &'p str, user: &'p str, read: Option<(Vec<Scalar<'p>>, Vec<Scalar<'p>>)>) -> Result<Members> {
    let (session, user) = match read {
        Some(read) => read,
        None => (members_of(session, "session", &SESSION)?, members_of(user, "user", &USER)?),
    };
    let session_id = string(&session[0], "session.id")?;
    let token = string(&session[1], "session.token")?;
    if matches!(session[2], Scalar::Absent) {
        return Err(missing("session.userId"));
    }
    let user_id = string(&user[0], "user.id")?;
    string(&user[1], "user.email")?;
    string(&user[2], "user.name")?;
    let session_exp_ms = date(&session[3], "session.expiresAt")?.ok_or_else(|| missing("session.expiresAt"))?;
    let created_ms = date(&session[4], "session.createdAt")?;
    date(&session[5], "session.updatedAt")?;
    date(&user[3], "user.createdAt")?;
    date(&user[4], "user.updatedAt")?;
    for (v, full) in [(&session[6], "session.ipAddress"), (&session[7], "session.userAgent"), (&user[5], "user.image")] {
        if !matches!(v, Scalar::Absent | Scalar::Null | Scalar::Str(_)) {
            return Err(invalid(full, "must be a string or null"));
        }
    }
    if !matches!(user[6], Scalar::Absent | Scalar::Bool(_)) {
        return Err(invalid("user.emailVerified", "must be a boolean"));
    }
    Ok(Members { session_id, token, user_id, session_exp_ms, created_ms })
}

/// The members `names` of the object `raw` (the payload's `name`).
fn members_of<'p>(raw: &'p str, name: &str, names: &[&str]) -> Result<Vec<Scalar<'p>>> {
    fields(raw, names).map_err(|why| match why {
        None => invalid(name, "must be an object"),
        Some(why) => Error::malformed(format!("the cookie cache's {name} is not strict JSON ({why})")),
    })
}

/// A required string member.
fn string(v: &Scalar, full: &str) -> Result<String> {
    match v {
        Scalar::Absent => Err(missing(full)),
        Scalar::Str(s) => Ok(s.to_string()),
        _ => Err(invalid(full, "must be a string")),
    }
}

/// A date member (milliseconds), None when absent.
fn date(v: &Scalar, full: &str) -> Result<Option<f64>> {
    match v {
        Scalar::Absent => Ok(None),
        Scalar::Str(s) => iso_date_ms(s).map(Some).ok_or_else(|| invalid(full, "is not an ISO 8601 date as better-auth writes it")),
        _ => Err(invalid(full, "must be an ISO 8601 date string")),
    }
}

/// The session's own `expiresAt` (milliseconds) in seconds, once it is in the future.
fn session_expiry(session_exp_ms: f64, now: f64, tolerance: f64) -> Result<f64> {
    let session_exp = session_exp_ms / 1000.0;
    if session_exp < now - tolerance {
        return Err(expired("session.expiresAt", "the session", now - session_exp));
    }
    Ok(session_exp)
}

/// The result's JSON (`BetterAuthCache::json`) from the payload's own bytes (`len` of them),
/// with where `session` and `user` stand in it.
fn cache_json(r: &Required, len: usize, strategy: Strategy, cache_exp: f64, exp: f64) -> (Vec<u8>, std::ops::Range<usize>, std::ops::Range<usize>) {
    let mut out = Vec::with_capacity(len + 128);
    out.extend_from_slice(b"{\"session\":");
    let session_at = out.len()..out.len() + r.session.len();
    out.extend_from_slice(r.session.as_bytes());
    out.extend_from_slice(b",\"user\":");
    let user_at = out.len()..out.len() + r.user.len();
    out.extend_from_slice(r.user.as_bytes());
    out.extend_from_slice(b",\"updatedAt\":");
    out.extend_from_slice(r.updated_at.as_bytes());
    out.extend_from_slice(b",\"version\":");
    if r.version.bytes().all(|c| c >= 0x20 && c != b'"' && c != b'\\') {
        // Nothing to escape (the usual "1"): JSON.stringify's text is the string quoted.
        out.push(b'"');
        out.extend_from_slice(r.version.as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(serde_json::to_string(r.version).unwrap_or_default().as_bytes());
    }
    out.extend_from_slice(b",\"strategy\":\"");
    out.extend_from_slice(strategy.name().as_bytes());
    out.extend_from_slice(b"\",\"cacheExpiresAt\":");
    ms(&mut out, cache_exp);
    out.extend_from_slice(b",\"expiresAt\":");
    ms(&mut out, exp);
    out.push(b'}');
    (out, session_at, user_at)
}

/// Whether a member's JSON text is a number (a plain integer read directly).
fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.len() <= 20 && digits.bytes().all(|c| c.is_ascii_digit()) && (digits.len() == 1 || !digits.starts_with('0')) {
        return true;
    }
    matches!(serde_json::from_str::<Value>(text), Ok(Value::Number(_)))
}

/// Milliseconds as JSON, written to `out`: an integer when it is one.
fn ms(out: &mut Vec<u8>, seconds: f64) {
    let v = seconds * 1000.0;
    let r = v.round();
    if (v - r).abs() < 1e-3 && r.abs() < 9.0e15 {
        let mut n = r as i64;
        if n < 0 {
            out.push(b'-');
            n = -n;
        }
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend_from_slice(&digits[at..]);
    } else {
        out.extend_from_slice(serde_json::Number::from_f64(v).map(|n| n.to_string()).unwrap_or_else(|| "null".into()).as_bytes());
    }
}

/// Milliseconds since the epoch of a string that better-auth's JSON reviver turns into a
/// Date (`/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/` and a valid V8 date: month
/// 1-12, day 1-31 rolling over the month as V8 does, 24:00:00 as the next midnight,
/// milliseconds from the first 3 fraction digits); None for anything else.
pub fn iso_date_ms(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.len() < 20 || *b.last()? != b'Z' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(r)?;
        if part.iter().all(u8::is_ascii_digit) {
            Some(part.iter().fold(0i64, |a, d| a * 10 + i64::from(d - b'0')))
        } else {
            None
        }
    };
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if seps.iter().any(|(i, c)| b[*i] != *c) {
        return None;
    }
    let (y, mo, d, h, mi, sec) = (digits(0..4)?, digits(5..7)?, digits(8..10)?, digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let millis = match b.len() {
        20 => 0,
        n if b[19] == b'.' && n > 21 => {
            let frac = &b[20..n - 1];
            if !frac.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let mut m = 0i64;
            for i in 0..3 {
                m = m * 10 + frac.get(i).map_or(0, |d| i64::from(d - b'0'));
            }
            if h == 24 && frac.iter().any(|d| *d != b'0') {
                return None;
            }
            m
        }
        _ => return None,
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || mi > 59 || sec > 59 || h > 24 || (h == 24 && (mi != 0 || sec != 0)) {
        return None;
    }
    // Days from 1970-01-01 of y-mo-01 (the civil calendar), plus the day of the month
    // (which may roll over into the next month, as in V8).
    let (yy, mm) = if mo <= 2 { (y - 1, mo + 9) } else { (y, mo - 3) };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * mm + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468 + (d - 1);
    Some(((days * 86400 + h * 3600 + mi * 60 + sec) * 1000 + millis) as f64)
}
