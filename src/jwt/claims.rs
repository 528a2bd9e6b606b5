//! Registered-claim checks (RFC 7519 4.1), configured once in a `Validation`.

use serde_json::Value;

use crate::error::{Error, ErrorCode, Result};
use crate::json::Member;
use crate::revocation::IdKeys;
use crate::token::{claim_members, claim_members_raw, Header};

#[derive(Debug, Clone)]
pub struct Validation {
    pub issuer: Option<Vec<String>>,
    pub audience: Option<Vec<String>>,
    pub subject: Option<String>,
    /// Normalized (lower case, without `application/`).
    pub typ: Option<String>,
    pub clock_tolerance: f64,
    pub max_age: Option<f64>,
    pub required: Vec<String>,
    /// Skip the exp check (exp must still be a number when present).
    pub ignore_expiration: bool,
    /// Skip the nbf check (nbf must still be a number when present).
    pub ignore_not_before: bool,
    /// The claim names `check_ids` reads (without and with the revocation ids), worked out
    /// at the first check: a Validation is not changed once it is in use.
    pub names: std::sync::OnceLock<ClaimNames>,
}

impl Default for Validation {
    fn default() -> Self {
        Validation {
            issuer: None,
            audience: None,
            subject: None,
            typ: None,
            clock_tolerance: 0.0,
            max_age: None,
            required: vec!["exp".to_string()],
            ignore_expiration: false,
            ignore_not_before: false,
            names: std::sync::OnceLock::new(),
        }
    }
}

/// `typ` compared case-insensitively, with or without the `application/` prefix (RFC 7515 4.1.9).
pub fn normalize_typ(t: &str) -> String {
    let lower = t.to_ascii_lowercase();
    match lower.strip_prefix("application/") {
        Some(rest) => rest.to_string(),
        None => lower,
    }
}

/// A NumericDate claim: absent, or a JSON number. Anything else is ERR_JWT_CLAIM_INVALID.
pub fn numeric_date(value: Option<&Value>, name: &str) -> Result<Option<f64>> {
    match value {
        None => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if f.is_finite() => Ok(Some(f)),
            _ => Err(Error::claim(ErrorCode::JwtClaimInvalid, name, format!("the {name} claim is not a usable number"))),
        },
        Some(_) => Err(Error::claim(ErrorCode::JwtClaimInvalid, name, format!("the {name} claim must be a number (NumericDate)"))),
    }
}

/// Describes a span of seconds in words: "3 min", "2 h", "45 s".
pub fn span_words(seconds: f64) -> String {
    let s = seconds.abs();
    if !s.is_finite() || s >= 3.2e10 {
        "more than a thousand years".to_string()
    } else if s < 120.0 {
        format!("{} s", s.round() as i64)
    } else if s < 7200.0 {
        format!("{} min", (s / 60.0).round() as i64)
    } else if s < 172800.0 {
        format!("{} h", (s / 3600.0).round() as i64)
    } else {
        format!("{} days", (s / 86400.0).round() as i64)
    }
}

/// The time claims of a token, as numbers (each checked to be a number when present).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Times {
    pub exp: Option<f64>,
    pub nbf: Option<f64>,
    pub iat: Option<f64>,
}

impl Times {
    pub fn from_values(exp: Option<&Value>, nbf: Option<&Value>, iat: Option<&Value>) -> Result<Times> {
        Ok(Times { exp: numeric_date(exp, "exp")?, nbf: numeric_date(nbf, "nbf")?, iat: numeric_date(iat, "iat")? })
    }
}

/// exp and nbf with a tolerance (iat must be a number when present); used by the JWT
/// verifier and the Auth.js decoder.
pub fn check_times(exp: Option<&Value>, nbf: Option<&Value>, iat: Option<&Value>, now: f64, tolerance: f64) -> Result<()> {
    times_ok(&Times::from_values(exp, nbf, iat)?, now, tolerance)
}

/// exp and nbf of already-read time claims, with a tolerance.
pub fn times_ok(t: &Times, now: f64, tolerance: f64) -> Result<()> {
    let (exp, nbf) = (t.exp, t.nbf);
    if let Some(exp) = exp {
        if exp <= now - tolerance {
            return Err(Error::claim(ErrorCode::JwtExpired, "exp", format!("the token expired {} ago", span_words(now - exp))));
        }
    }
    if let Some(nbf) = nbf {
        if nbf > now + tolerance {
            return Err(Error::claim(
                ErrorCode::JwtNotActive,
                "nbf",
                format!("the token is not valid until {} from now (nbf)", span_words(nbf - now)),
            ));
        }
    }
    Ok(())
}

fn string_claim<'c>(value: Option<&'c Value>, name: &str) -> Result<&'c str> {
    match value {
        None => Err(Error::claim(ErrorCode::JwtClaimMissing, name, format!("the token has no {name} claim"))),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Error::claim(ErrorCode::JwtClaimInvalid, name, format!("the {name} claim must be a string"))),
    }
}


/// The claim names a check reads, without duplicates: the time claims always (first, in
/// that order), the others when configured, the required ones; with the revocation ids,
/// jti and sub after them when no check reads them (those come back as their text).
#[derive(Debug, Clone, Default)]
pub struct ClaimNames {
    plain: Vec<String>,
    with_ids: Vec<String>,
    /// Where jti and sub are in `with_ids`.
    ids: [usize; 2],
}

impl ClaimNames {
    fn of(v: &Validation) -> ClaimNames {
        let mut plain: Vec<String> = Vec::new();
        let mut add = |n: &str| {
            if !plain.iter().any(|x| x == n) {
                plain.push(n.to_string());
            }
        };
        for n in ["exp", "nbf", "iat"] {
            add(n);
        }
        if v.issuer.is_some() {
            add("iss");
        }
        if v.subject.is_some() {
            add("sub");
        }
        if v.audience.is_some() {
            add("aud");
        }
        for r in &v.required {
            add(r);
        }
        let mut with_ids = plain.clone();
        let ids = ["jti", "sub"].map(|id| {
            with_ids.iter().position(|x| x == id).unwrap_or_else(|| {
                with_ids.push(id.to_string());
                with_ids.len() - 1
            })
        });
        ClaimNames { plain, with_ids, ids }
    }
}

/// The clock.
impl Validation {
    fn names(&self) -> &ClaimNames {
        self.names.get_or_init(|| ClaimNames::of(self))
    }

    /// The checks that depend on the clock: exp, nbf (with tolerance) and maxAge.
    pub fn check_clock(&self, t: &Times, now: f64) -> Result<()> {
        let skip = Times {
            exp: if self.ignore_expiration { None } else { t.exp },
            nbf: if self.ignore_not_before { None } else { t.nbf },
            iat: t.iat,
        };
        times_ok(&skip, now, self.clock_tolerance)?;
        if let Some(max_age) = self.max_age {
            let iat = t.iat.ok_or_else(|| Error::claim(ErrorCode::JwtClaimMissing, "iat", "maxAge is set but the token has no iat claim"))?;
            if iat > now + self.clock_tolerance {
                return Err(Error::claim(ErrorCode::JwtClaimInvalid, "iat", "the iat claim is in the future"));
            }
            if now - iat > max_age + self.clock_tolerance {
                return Err(Error::claim(
                    ErrorCode::JwtExpired,
                    "iat",
                    format!("the token was issued {} ago, more than maxAge ({} s)", span_words(now - iat), max_age),
                ));
            }
        }
        Ok(())
    }
}

/// A claims set read and checked.
impl Validation {
    /// Checks a claims set given as its JSON text (one strict JSON object), reading only
    /// the members the checks need. Returns the time claims, for re-checking later.
    pub fn check(&self, header: &Header, json: &[u8], now: f64) -> Result<Times> {
        self.check_ids(header, json, now, false).map(|(t, _)| t)
    }

    /// As `check`; with `want_ids`, also reads jti and sub in the same pass (for the
    /// revocation list), borrowed from `json` where they can be.
    pub fn check_ids<'a>(&self, header: &Header, json: &'a [u8], now: f64, want_ids: bool) -> Result<(Times, Option<IdKeys<'a>>)> {
        // Only the members some check reads are built: the time claims always, the
        // others when configured, and the required ones; jti and sub, when only the list
        // reads them, come back as their text (`raw`), nothing built or copied.
        let lists = self.names();
        let names = if want_ids { &lists.with_ids[..] } else { &lists.plain[..] };
        let mut raw: [Option<Member<'a>>; 2] = [None, None];
        let split = lists.plain.len();
        let mut m = if want_ids {
            claim_members_raw(json, "claims set (payload)", names, &mut raw[..names.len() - split])?
        } else {
            claim_members(json, "claims set (payload)", names)?
        };
        let get = |name: &str| lists.plain.iter().position(|n| n == name).and_then(|i| m[i].as_ref());
        for r in &self.required {
            if get(r).is_none() {
                return Err(Error::claim(ErrorCode::JwtClaimMissing, r, format!("the token has no {r} claim, which is required")));
            }
        }
        let times = Times::from_values(m[0].as_ref(), m[1].as_ref(), m[2].as_ref())?;
        self.check_clock(&times, now)?;
        self.check_configured(header, get("iss"), get("sub"), get("aud"))?;
        let ids = if want_ids {
            // A check's member is taken (no copy); the others are the text read for the list.
            let mut take = |i: usize| if i < split { m[i].take().map(Member::Value) } else { raw[i - split].take() };
            let [jti, sub] = lists.ids;
            let jti = take(jti);
            Some(IdKeys::from_members(jti, take(sub), times.iat)?)
        } else {
            None
        };
        Ok((times, ids))
    }
}

/// The claims the options name: issuer, subject, audience, and the header's typ.
impl Validation {
    fn check_configured(&self, header: &Header, iss: Option<&Value>, sub: Option<&Value>, aud: Option<&Value>) -> Result<()> {
        if let Some(issuers) = &self.issuer {
            let iss = string_claim(iss, "iss")?;
            if !issuers.iter().any(|i| i == iss) {
                return Err(Error::claim(ErrorCode::JwtClaimInvalid, "iss", "the iss claim is not an accepted issuer"));
            }
        }
        if let Some(expected) = &self.subject {
            if string_claim(sub, "sub")? != expected {
                return Err(Error::claim(ErrorCode::JwtClaimInvalid, "sub", "the sub claim does not match"));
            }
        }
        if let Some(audiences) = &self.audience {
            check_audience(audiences, aud)?;
        }
        if let Some(expected) = &self.typ {
            if header.typ.as_deref().map(normalize_typ).as_ref() != Some(expected) {
                return Err(Error::claim(ErrorCode::JwtClaimInvalid, "typ", "the header typ is not the expected type"));
            }
        }
        Ok(())
    }
}

/// The aud claim (a string or an array of strings) names one of `audiences`.
fn check_audience(audiences: &[String], aud: Option<&Value>) -> Result<()> {
    let bad_type = || Error::claim(ErrorCode::JwtClaimInvalid, "aud", "the aud claim must be a string or an array of strings");
    let ok = match aud {
        None => return Err(Error::claim(ErrorCode::JwtClaimMissing, "aud", "the token has no aud claim")),
        Some(Value::String(a)) => audiences.iter().any(|x| x == a),
        Some(Value::Array(list)) => {
            let mut any = false;
            for item in list {
                let a = item.as_str().ok_or_else(bad_type)?;
                any |= audiences.iter().any(|x| x == a);
            }
            any
        }
        Some(_) => return Err(bad_type()),
    };
    if !ok {
        return Err(Error::claim(ErrorCode::JwtClaimInvalid, "aud", "the aud claim does not include an accepted audience"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
