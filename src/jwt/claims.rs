//! Registered-claim checks (RFC 7519 4.1), configured once in a `Validation`.

use serde_json::{Map, Value};

use crate::error::{Error, ErrorCode, Result};

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
pub fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<f64>> {
    match claims.get(name) {
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
    if s < 120.0 {
        format!("{} s", s.round() as i64)
    } else if s < 7200.0 {
        format!("{} min", (s / 60.0).round() as i64)
    } else if s < 172800.0 {
        format!("{} h", (s / 3600.0).round() as i64)
    } else {
        format!("{} days", (s / 86400.0).round() as i64)
    }
}

/// exp and nbf with a tolerance; used by the JWT verifier and the Auth.js decoder.
pub fn check_times(claims: &Map<String, Value>, now: f64, tolerance: f64) -> Result<()> {
    let exp = numeric_date(claims, "exp")?;
    let nbf = numeric_date(claims, "nbf")?;
    numeric_date(claims, "iat")?;
    if let Some(exp) = exp {
        if exp <= now - tolerance {
            return Err(Error::claim(
                ErrorCode::JwtExpired,
                "exp",
                format!("the token expired {} ago", span_words(now - exp)),
            ));
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

fn string_claim<'c>(claims: &'c Map<String, Value>, name: &str) -> Result<&'c str> {
    match claims.get(name) {
        None => Err(Error::claim(ErrorCode::JwtClaimMissing, name, format!("the token has no {name} claim"))),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Error::claim(ErrorCode::JwtClaimInvalid, name, format!("the {name} claim must be a string"))),
    }
}

impl Validation {
    pub fn check(&self, header: &Map<String, Value>, claims: &Map<String, Value>, now: f64) -> Result<()> {
        for name in &self.required {
            if !claims.contains_key(name) {
                return Err(Error::claim(ErrorCode::JwtClaimMissing, name, format!("the token has no {name} claim, which is required")));
            }
        }
        check_times(claims, now, self.clock_tolerance)?;
        if let Some(max_age) = self.max_age {
            let iat = numeric_date(claims, "iat")?
                .ok_or_else(|| Error::claim(ErrorCode::JwtClaimMissing, "iat", "maxAge is set but the token has no iat claim"))?;
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
        if let Some(issuers) = &self.issuer {
            let iss = string_claim(claims, "iss")?;
            if !issuers.iter().any(|i| i == iss) {
                return Err(Error::claim(ErrorCode::JwtClaimInvalid, "iss", "the iss claim is not an accepted issuer"));
            }
        }
        if let Some(sub) = &self.subject {
            if string_claim(claims, "sub")? != sub {
                return Err(Error::claim(ErrorCode::JwtClaimInvalid, "sub", "the sub claim does not match"));
            }
        }
        if let Some(audiences) = &self.audience {
            let ok = match claims.get("aud") {
                None => return Err(Error::claim(ErrorCode::JwtClaimMissing, "aud", "the token has no aud claim")),
                Some(Value::String(a)) => audiences.iter().any(|x| x == a),
                Some(Value::Array(list)) => {
                    let mut any = false;
                    for item in list {
                        let a = item.as_str().ok_or_else(|| {
                            Error::claim(ErrorCode::JwtClaimInvalid, "aud", "the aud claim must be a string or an array of strings")
                        })?;
                        any |= audiences.iter().any(|x| x == a);
                    }
                    any
                }
                Some(_) => {
                    return Err(Error::claim(ErrorCode::JwtClaimInvalid, "aud", "the aud claim must be a string or an array of strings"))
                }
            };
            if !ok {
                return Err(Error::claim(ErrorCode::JwtClaimInvalid, "aud", "the aud claim does not include an accepted audience"));
            }
        }
        if let Some(expected) = &self.typ {
            let ok = match header.get("typ") {
                Some(Value::String(t)) => &normalize_typ(t) == expected,
                _ => false,
            };
            if !ok {
                return Err(Error::claim(ErrorCode::JwtClaimInvalid, "typ", "the header typ is not the expected type"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn exp_with_tolerance() {
        let v = Validation { clock_tolerance: 10.0, ..Default::default() };
        let h = Map::new();
        assert!(v.check(&h, &obj(json!({"exp": 995})), 1000.0).is_ok());
        let e = v.check(&h, &obj(json!({"exp": 990})), 1000.0).unwrap_err();
        assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtExpired, Some("exp")));
    }

    #[test]
    fn required_and_types() {
        let v = Validation::default();
        let h = Map::new();
        let e = v.check(&h, &obj(json!({"sub": "a"})), 1000.0).unwrap_err();
        assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtClaimMissing, Some("exp")));
        let e = v.check(&h, &obj(json!({"exp": "2000"})), 1000.0).unwrap_err();
        assert_eq!(e.code, ErrorCode::JwtClaimInvalid);
        assert!(v.check(&h, &obj(json!({"exp": 1e300})), 1000.0).is_ok());
        let e = v.check(&h, &obj(json!({"exp": -5})), 1000.0).unwrap_err();
        assert_eq!(e.code, ErrorCode::JwtExpired);
    }

    #[test]
    fn audience_forms() {
        let v = Validation { audience: Some(vec!["api".into()]), required: vec![], ..Default::default() };
        let h = Map::new();
        assert!(v.check(&h, &obj(json!({"aud": "api"})), 0.0).is_ok());
        assert!(v.check(&h, &obj(json!({"aud": ["x", "api"]})), 0.0).is_ok());
        assert_eq!(v.check(&h, &obj(json!({"aud": ["x"]})), 0.0).unwrap_err().code, ErrorCode::JwtClaimInvalid);
        assert_eq!(v.check(&h, &obj(json!({"aud": [["api"]]})), 0.0).unwrap_err().code, ErrorCode::JwtClaimInvalid);
        assert_eq!(v.check(&h, &obj(json!({})), 0.0).unwrap_err().code, ErrorCode::JwtClaimMissing);
    }

    #[test]
    fn max_age_uses_iat() {
        let v = Validation { max_age: Some(60.0), required: vec![], ..Default::default() };
        let h = Map::new();
        assert!(v.check(&h, &obj(json!({"iat": 950})), 1000.0).is_ok());
        let e = v.check(&h, &obj(json!({"iat": 900})), 1000.0).unwrap_err();
        assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtExpired, Some("iat")));
        assert_eq!(v.check(&h, &obj(json!({"iat": 2000})), 1000.0).unwrap_err().code, ErrorCode::JwtClaimInvalid);
    }

    #[test]
    fn typ_normalized() {
        let v = Validation { typ: Some(normalize_typ("at+jwt")), required: vec![], ..Default::default() };
        let ok = obj(json!({"typ": "application/AT+JWT"}));
        assert!(v.check(&ok, &Map::new(), 0.0).is_ok());
        assert_eq!(v.check(&obj(json!({"typ": "JWT"})), &Map::new(), 0.0).unwrap_err().claim.as_deref(), Some("typ"));
    }
}
