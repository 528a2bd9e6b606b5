//! Signing: `JwtSigner` (key prepared once) and the one-shot `sign`.

use serde_json::{Map, Value};

use crate::alg::Algorithm;
use crate::b64;
use crate::error::{Error, Result};
use crate::key::{KeyInput, SignKey};
use crate::options::{duration_seconds, Span};

#[derive(Debug, Clone, Default)]
pub struct SignOptions {
    pub algorithm: Option<String>,
    pub expires_in: Option<Span>,
    pub not_before: Option<Span>,
    pub issuer: Option<String>,
    pub audience: Option<Vec<String>>,
    /// True when audience was given as a single string (kept a string in the token).
    pub audience_single: bool,
    pub subject: Option<String>,
    pub jwtid: Option<String>,
    pub keyid: Option<String>,
    pub typ: Option<String>,
    pub no_timestamp: bool,
    pub allow_weak_secret: bool,
}

pub struct JwtSigner {
    key: SignKey,
    header_b64: String,
    options: SignOptions,
    expires_in: Option<f64>,
    not_before: Option<f64>,
}

impl JwtSigner {
    pub fn new(options: SignOptions, key: KeyInput<'_>) -> Result<JwtSigner> {
        let name = options.algorithm.as_deref().ok_or_else(|| Error::options("algorithm is required"))?;
        let alg = Algorithm::from_name(name).ok_or_else(|| {
            Error::options(format!("unknown or refused algorithm '{}' (none is never used)", crate::util::printable(name, 16)))
        })?;
        let expires_in = options.expires_in.as_ref().map(|s| duration_seconds("expiresIn", s).map(f64::floor)).transpose()?;
        let not_before = options.not_before.as_ref().map(|s| duration_seconds("notBefore", s).map(f64::floor)).transpose()?;
        if matches!(&options.audience, Some(a) if a.is_empty()) {
            return Err(Error::options("audience must not be an empty list"));
        }
        let key = SignKey::from_input(key, alg, options.allow_weak_secret)?;
        let mut header = Map::new();
        header.insert("alg".into(), Value::String(alg.name().into()));
        header.insert("typ".into(), Value::String(options.typ.clone().unwrap_or_else(|| "JWT".into())));
        if let Some(kid) = &options.keyid {
            header.insert("kid".into(), Value::String(kid.clone()));
        }
        let header_b64 = b64::encode(serde_json::to_string(&header).unwrap_or_default().as_bytes());
        Ok(JwtSigner { key, header_b64, options, expires_in, not_before })
    }

    /// Signs a claims set, adding iat/exp/nbf/iss/aud/sub/jti from the options.
    pub fn sign(&self, claims: &Value, now: f64) -> Result<String> {
        let mut claims: Map<String, Value> = match claims {
            Value::Object(m) => m.clone(),
            _ => return Err(Error::options("claims must be a plain object")),
        };
        let o = &self.options;
        let iat = match claims.get("iat") {
            Some(Value::Number(n)) => n.as_f64().unwrap_or(now.floor()),
            Some(_) => return Err(Error::options("claims.iat must be a number")),
            None => now.floor(),
        };
        if o.no_timestamp {
            claims.remove("iat");
        } else {
            claims.insert("iat".into(), number(iat));
        }
        let mut set = |name: &str, value: Option<Value>| -> Result<()> {
            if let Some(v) = value {
                if claims.contains_key(name) {
                    return Err(Error::options(format!("the claims already have {name}; set it either in the claims or in the options")));
                }
                claims.insert(name.to_string(), v);
            }
            Ok(())
        };
        set("exp", self.expires_in.map(|s| number(iat + s)))?;
        set("nbf", self.not_before.map(|s| number(iat + s)))?;
        set("iss", o.issuer.clone().map(Value::String))?;
        set("sub", o.subject.clone().map(Value::String))?;
        set("jti", o.jwtid.clone().map(Value::String))?;
        set(
            "aud",
            o.audience.as_ref().map(|a| {
                if o.audience_single && a.len() == 1 {
                    Value::String(a[0].clone())
                } else {
                    Value::Array(a.iter().cloned().map(Value::String).collect())
                }
            }),
        )?;
        let payload = serde_json::to_vec(&claims).map_err(|_| Error::options("claims could not be serialized to JSON"))?;
        let mut out = String::with_capacity(self.header_b64.len() + payload.len() * 4 / 3 + 100);
        out.push_str(&self.header_b64);
        out.push('.');
        out.push_str(&b64::encode(&payload));
        let signature = self.key.sign(out.as_bytes())?;
        out.push('.');
        out.push_str(&b64::encode(&signature));
        Ok(out)
    }
}

/// A whole number stays an integer in JSON (1700000000, not 1700000000.0).
fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map(Value::Number).unwrap_or(Value::Null)
    }
}
