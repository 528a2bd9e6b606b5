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
        let (iss, sub, aud) = (get("iss"), get("sub"), get("aud"));
        let times = Times::from_values(m[0].as_ref(), m[1].as_ref(), m[2].as_ref())?;
        self.check_clock(&times, now)?;
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
        }
        if let Some(expected) = &self.typ {
            if header.typ.as_deref().map(normalize_typ).as_ref() != Some(expected) {
                return Err(Error::claim(ErrorCode::JwtClaimInvalid, "typ", "the header typ is not the expected type"));
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(v: &Validation, h: &Header, claims: Value, now: f64) -> Result<Times> {
        v.check(h, claims.to_string().as_bytes(), now)
    }

    #[test]
    fn exp_with_tolerance() {
        let v = Validation { clock_tolerance: 10.0, ..Default::default() };
        let h = Header::default();
        assert!(check(&v, &h, json!({"exp": 995}), 1000.0).is_ok());
        let e = check(&v, &h, json!({"exp": 990}), 1000.0).unwrap_err();
        assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtExpired, Some("exp")));
    }

    #[test]
    fn required_and_types() {
        let v = Validation::default();
        let h = Header::default();
        let e = check(&v, &h, json!({"sub": "a"}), 1000.0).unwrap_err();
        assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtClaimMissing, Some("exp")));
        let e = check(&v, &h, json!({"exp": "2000"}), 1000.0).unwrap_err();
        assert_eq!(e.code, ErrorCode::JwtClaimInvalid);
        assert!(check(&v, &h, json!({"exp": 1e300}), 1000.0).is_ok());
        let e = check(&v, &h, json!({"exp": -5}), 1000.0).unwrap_err();
        assert_eq!(e.code, ErrorCode::JwtExpired);
        let custom = Validation { required: vec!["exp".into(), "role".into()], ..Default::default() };
        let e = check(&custom, &h, json!({"exp": 2000}), 1000.0).unwrap_err();
        assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtClaimMissing, Some("role")));
        assert!(check(&custom, &h, json!({"exp": 2000, "role": null}), 1000.0).is_ok());
        assert_eq!(v.check(&h, b"[1]", 0.0).unwrap_err().code, ErrorCode::TokenMalformed);
        assert_eq!(v.check(&h, br#"{"exp":1,"exp":2}"#, 0.0).unwrap_err().code, ErrorCode::TokenMalformed);
    }

    #[test]
    fn many_required_claims() {
        // 3 time claims + 20 required names: past the 16 names json_fast keeps on the stack.
        let names: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
        let v = Validation { required: names.clone(), ..Default::default() };
        let h = Header::default();
        let mut all = serde_json::Map::new();
        for n in &names {
            all.insert(n.clone(), json!(1));
        }
        assert!(check(&v, &h, Value::Object(all.clone()), 1000.0).is_ok());
        all.remove("c19");
        let e = check(&v, &h, Value::Object(all), 1000.0).unwrap_err();
        assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtClaimMissing, Some("c19")));
        assert_eq!(v.names().plain.len(), 23);
        assert_eq!((v.names().with_ids.len(), v.names().ids), (25, [23, 24]));
    }

    #[test]
    fn ignore_expiration_and_not_before() {
        let v = Validation { ignore_expiration: true, ignore_not_before: true, required: vec![], ..Default::default() };
        let h = Header::default();
        assert!(check(&v, &h, json!({"exp": 1, "nbf": 5000}), 1000.0).is_ok());
        assert_eq!(check(&v, &h, json!({"exp": "1"}), 1000.0).unwrap_err().code, ErrorCode::JwtClaimInvalid);
        let only_exp = Validation { ignore_expiration: true, required: vec![], ..Default::default() };
        assert_eq!(check(&only_exp, &h, json!({"exp": 1, "nbf": 5000}), 1000.0).unwrap_err().code, ErrorCode::JwtNotActive);
    }

    #[test]
    fn audience_forms() {
        let v = Validation { audience: Some(vec!["api".into()]), required: vec![], ..Default::default() };
        let h = Header::default();
        assert!(check(&v, &h, json!({"aud": "api"}), 0.0).is_ok());
        assert!(check(&v, &h, json!({"aud": ["x", "api"]}), 0.0).is_ok());
        assert_eq!(check(&v, &h, json!({"aud": ["x"]}), 0.0).unwrap_err().code, ErrorCode::JwtClaimInvalid);
        assert_eq!(check(&v, &h, json!({"aud": [["api"]]}), 0.0).unwrap_err().code, ErrorCode::JwtClaimInvalid);
        assert_eq!(check(&v, &h, json!({}), 0.0).unwrap_err().code, ErrorCode::JwtClaimMissing);
    }

    #[test]
    fn max_age_uses_iat() {
        let v = Validation { max_age: Some(60.0), required: vec![], ..Default::default() };
        let h = Header::default();
        assert!(check(&v, &h, json!({"iat": 950}), 1000.0).is_ok());
        let e = check(&v, &h, json!({"iat": 900}), 1000.0).unwrap_err();
        assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtExpired, Some("iat")));
        assert_eq!(check(&v, &h, json!({"iat": 2000}), 1000.0).unwrap_err().code, ErrorCode::JwtClaimInvalid);
    }

    #[test]
    fn typ_normalized() {
        let v = Validation { typ: Some(normalize_typ("at+jwt")), required: vec![], ..Default::default() };
        let ok = Header { typ: Some("application/AT+JWT".into()), ..Default::default() };
        assert!(check(&v, &ok, json!({}), 0.0).is_ok());
        let bad = Header { typ: Some("JWT".into()), ..Default::default() };
        assert_eq!(check(&v, &bad, json!({}), 0.0).unwrap_err().claim.as_deref(), Some("typ"));
    }

    /// The ids `check_ids` reads for the list, and whether each was borrowed from the text.
    fn ids_of(v: &Validation, text: &str) -> Result<(Option<String>, Option<String>, [bool; 2])> {
        let (_, ids) = v.check_ids(&Header::default(), text.as_bytes(), 1000.0, true)?;
        let ids = ids.unwrap();
        let borrowed = |k: &Option<std::borrow::Cow<'_, str>>| matches!(k, Some(std::borrow::Cow::Borrowed(_)));
        let b = [borrowed(&ids.jti), borrowed(&ids.sub)];
        Ok((ids.jti.map(|k| k.into_owned()), ids.sub.map(|k| k.into_owned()), b))
    }

    /// The reference: the members built by serde_json, keyed by `TokenIds::from_values`.
    fn reference(v: &Validation, text: &str) -> Result<(Option<String>, Option<String>)> {
        v.check(&Header::default(), text.as_bytes(), 1000.0)?;
        let m = crate::token::claim_members(text.as_bytes(), "claims set (payload)", &["jti", "sub"])?;
        let m2 = crate::json::members_serde(text.as_bytes(), &["jti", "sub"]).unwrap();
        assert_eq!(m, m2);
        let ids = crate::revocation::TokenIds::from_values(m[0].as_ref(), m[1].as_ref(), None)?;
        Ok((ids.jti.map(String::from), ids.sub.map(String::from)))
    }

    #[test]
    fn ids_are_borrowed_when_plain() {
        let v = Validation { required: vec![], ..Default::default() };
        assert_eq!(ids_of(&v, r#"{"jti":"abc","sub":"u-1","exp":2000}"#).unwrap(), (Some("abc".into()), Some("u-1".into()), [true, true]));
        // Escapes undone exactly (a copy, as before); keys compared after unescaping.
        assert_eq!(ids_of(&v, r#"{"jti":"a\u0062c","sub":"q\"\\/"}"#).unwrap(), (Some("abc".into()), Some("q\"\\/".into()), [false, false]));
        assert_eq!(ids_of(&v, r#"{"jti":"\ud83d\ude00"}"#).unwrap().0.as_deref(), Some("\u{1f600}"));
        // Integers keyed by their decimal text; other numbers refused.
        assert_eq!(ids_of(&v, r#"{"jti":42,"sub":-0}"#).unwrap(), (Some("42".into()), Some("0".into()), [false, false]));
        assert_eq!(ids_of(&v, r#"{"jti":1.0,"sub":1e3}"#).unwrap(), (Some("1".into()), Some("1000".into()), [false, false]));
        assert_eq!(ids_of(&v, r#"{"jti":9007199254740991}"#).unwrap().0.as_deref(), Some("9007199254740991"));
        for bad in [r#"{"jti":9007199254740992}"#, r#"{"jti":1.5}"#, r#"{"sub":null}"#, r#"{"sub":true}"#, r#"{"jti":["a"]}"#, r#"{"jti":{}}"#] {
            assert_eq!(ids_of(&v, bad).unwrap_err().code, ErrorCode::JwtClaimInvalid, "{bad}");
        }
        // No id: absent, or an empty string.
        assert_eq!(ids_of(&v, r#"{"jti":"","x":1}"#).unwrap(), (None, None, [false, false]));
        // Up to 1024 bytes (after unescaping); longer is refused.
        let long = "a".repeat(1024);
        assert_eq!(ids_of(&v, &format!(r#"{{"jti":"{long}"}}"#)).unwrap().0.as_deref(), Some(&long[..]));
        let err = ids_of(&v, &format!(r#"{{"jti":"{long}a"}}"#)).unwrap_err();
        assert_eq!((err.code, err.claim.as_deref()), (ErrorCode::JwtClaimInvalid, Some("jti")));
        let escaped = format!(r#"{{"sub":"\u0061{}"}}"#, &long[1..]);
        assert_eq!(ids_of(&v, &escaped).unwrap().1.as_deref(), Some(&long[..]));
        let two_byte = "\u{e9}".repeat(513);
        assert_eq!(ids_of(&v, &format!(r#"{{"sub":"{two_byte}"}}"#)).unwrap_err().code, ErrorCode::JwtClaimInvalid);
        // Duplicates refused, also when an escape spells the same name.
        for dup in [r#"{"jti":"a","jti":"b"}"#, r#"{"jti":"a","j\u0074i":"a"}"#, r#"{"sub":"a","x":{"sub":1,"sub":2}}"#] {
            assert_eq!(ids_of(&v, dup).unwrap_err().code, ErrorCode::TokenMalformed, "{dup}");
        }
        // A sub the subject check reads is the check's value, taken (not a copy).
        let subject = Validation { subject: Some("u-1".into()), required: vec!["jti".into()], ..Default::default() };
        assert_eq!(ids_of(&subject, r#"{"jti":"j","sub":"u-1"}"#).unwrap(), (Some("j".into()), Some("u-1".into()), [false, false]));
        assert_eq!(subject.names().ids, [4, 3]);
        assert_eq!(ids_of(&subject, r#"{"jti":"j","sub":"u-2"}"#).unwrap_err().code, ErrorCode::JwtClaimInvalid);
        // No list: nothing read for it.
        assert_eq!(v.check_ids(&Header::default(), br#"{"jti":"a"}"#, 1000.0, false).unwrap().1, None);
    }

    #[test]
    fn ids_read_as_the_reference_reads_them() {
        // Mutated claims sets: the ids (or the error code) are those of the serde_json path.
        let seeds = [
            r#"{"jti":"abc","sub":"u","exp":2000,"iat":5}"#,
            r#"{"sub":"\u00e9\n","jti":7,"x":[1,{"jti":2}]}"#,
            r#"{"jti":-12,"sub":"a\\b"}"#,
            r#"{"a":{"sub":"x"},"sub":1.5e1,"jti":"\ud800"}"#,
        ];
        let alphabet = b"{}[]\":,\\ u0123456789abefjtisn.-eE";
        let v = Validation { required: vec![], ..Default::default() };
        let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let (mut same, mut refused) = (0, 0);
        for seed in seeds {
            for _ in 0..3000 {
                let mut t = seed.as_bytes().to_vec();
                for _ in 0..(next() % 3 + 1) {
                    let pos = (next() as usize) % (t.len() + 1);
                    let c = alphabet[(next() as usize) % alphabet.len()];
                    if next() % 2 == 0 && pos < t.len() {
                        t[pos] = c;
                    } else {
                        t.insert(pos, c);
                    }
                }
                let t = String::from_utf8(t).unwrap();
                match (ids_of(&v, &t), reference(&v, &t)) {
                    (Ok((j, s, _)), Ok(r)) => {
                        assert_eq!((j, s), r, "{t}");
                        same += 1;
                    }
                    (Err(a), Err(b)) => {
                        assert_eq!((a.code, a.claim), (b.code, b.claim), "{t}");
                        refused += 1;
                    }
                    (a, b) => panic!("{t}: {a:?} but the reference {b:?}"),
                }
            }
        }
        assert!(same > 1000 && refused > 1000, "{same} {refused}");
    }
}
