//! Splitting a compact token into its parts, shared by JWS verification, the Auth.js
//! (JWE) decoder, the handshake authenticator and `inspect`.

use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

use crate::b64;
use crate::error::{Error, ErrorCode, Result};

/// The parts of a compact serialization, borrowed from the token.
pub enum Parts<'a> {
    Jws([&'a str; 3]),
    Jwe([&'a str; 5]),
}

/// A plain-words reason a string is not a compact token at all, or None.
pub fn prefix_problem(token: &str) -> Option<&'static str> {
    if crate::extract::has_bearer_prefix(token) {
        return Some("the token starts with a 'Bearer ' prefix: pass only the token");
    }
    if token.starts_with('"') || token.starts_with('\'') {
        return Some("the token is wrapped in quotes");
    }
    if token.contains('%') {
        return Some("the token looks URL-encoded (it contains '%'): decode it first");
    }
    None
}

/// The first 16 characters of the base64url SHA-256 of a token: enough to correlate
/// log lines, useless to replay.
pub fn fingerprint(token: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut f = crate::b64::encode(&Sha256::digest(token.as_bytes()));
    f.truncate(16);
    f
}

/// Splits on '.', checking the length limit first.
pub fn split(token: &str, max_len: usize) -> Result<Parts<'_>> {
    if token.len() > max_len {
        return Err(Error::new(
            ErrorCode::TokenTooLarge,
            format!("the token is {} bytes, over the limit of {max_len}", token.len()),
        ));
    }
    if token.is_empty() {
        return Err(Error::malformed("the token is empty"));
    }
    let mut parts: [&str; 5] = [""; 5];
    let mut n = 0;
    for p in token.split('.') {
        if n == 5 {
            n += 1;
            break;
        }
        parts[n] = p;
        n += 1;
    }
    match n {
        3 => Ok(Parts::Jws([parts[0], parts[1], parts[2]])),
        5 => Ok(Parts::Jwe(parts)),
        _ => {
            let why = prefix_problem(token).map(|p| format!(" ({p})")).unwrap_or_default();
            Err(Error::malformed(format!(
                "a compact token has 3 parts (JWS) or 5 parts (JWE), this one has {}{why}",
                if n > 5 { "more than 5".to_string() } else { n.to_string() }
            )))
        }
    }
}

/// Decodes a protected header: strict base64url, UTF-8, a JSON object with no
/// duplicate member names.
pub fn decode_header(part: &str) -> Result<Map<String, Value>> {
    if part.is_empty() {
        return Err(Error::malformed("the protected header is empty"));
    }
    let bytes = b64::decode(part.as_bytes(), "protected header")?;
    parse_json_object(&bytes, "protected header")
}

/// Parses JSON bytes that must be one object (claims sets and headers).
pub fn parse_json_object(bytes: &[u8], what: &str) -> Result<Map<String, Value>> {
    let text = std::str::from_utf8(bytes).map_err(|_| Error::malformed(format!("the {what} is not UTF-8")))?;
    match crate::json::parse_strict(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::malformed(format!("the {what} is not a JSON object"))),
        Err(why) => Err(Error::malformed(format!("the {what} is not valid JSON ({why})"))),
    }
}

/// A protected header: its exact JSON (for JS) and the members the decoders act on.
#[derive(Debug, Clone, Default)]
pub struct Header {
    pub json: Vec<u8>,
    pub alg: Option<String>,
    pub enc: Option<String>,
    pub kid: Option<String>,
    pub typ: Option<String>,
    pub crit: Option<Value>,
    pub b64: Option<Value>,
    pub zip: bool,
}

impl Header {
    /// Decodes a protected header: strict base64url, UTF-8, one JSON object without
    /// duplicate member names; alg, enc, kid and typ must be strings when present.
    pub fn decode(part: &str) -> Result<Header> {
        if part.is_empty() {
            return Err(Error::malformed("the protected header is empty"));
        }
        let json = b64::decode(part.as_bytes(), "protected header")?;
        let mut m = crate::json::members(&json, &["alg", "enc", "kid", "typ", "crit", "b64", "zip"])
            .map_err(|why| Error::malformed(format!("the protected header is not a valid JSON object ({why})")))?;
        let mut string = |i: usize, name: &str| -> Result<Option<String>> {
            match m[i].take() {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(Error::malformed(format!("the header's {name} must be a string"))),
            }
        };
        let alg = string(0, "alg")?;
        let enc = string(1, "enc")?;
        let kid = string(2, "kid")?;
        let typ = string(3, "typ")?;
        Ok(Header { json, alg, enc, kid, typ, crit: m[4].take(), b64: m[5].take(), zip: m[6].is_some() })
    }
}

/// The last protected header seen, decoded: tokens of one issuer share the same header
/// segment, so most verifications skip decoding it. Keyed by the exact segment text.
#[derive(Default)]
pub struct HeaderCache(Mutex<Option<(Box<str>, Arc<Header>)>>);

impl HeaderCache {
    pub fn decode(&self, part: &str) -> Result<Arc<Header>> {
        if let Ok(guard) = self.0.lock() {
            if let Some((seen, header)) = guard.as_ref() {
                if **seen == *part {
                    return Ok(header.clone());
                }
            }
        }
        let header = Arc::new(Header::decode(part)?);
        if part.len() <= 512 {
            if let Ok(mut guard) = self.0.lock() {
                *guard = Some((part.into(), header.clone()));
            }
        }
        Ok(header)
    }
}

/// A verified claims set as its exact JSON text: JS gets it through JSON.parse, which
/// makes every member, `__proto__` included, an own property (as jose and
/// @auth/core return claims). Only the members a check needs are ever parsed in Rust.
#[derive(Debug, Clone)]
pub struct Claims {
    pub json: Vec<u8>,
}

impl Claims {
    /// The whole claims set as a map (tests and diagnostics; not on the hot path).
    pub fn to_map(&self) -> Map<String, Value> {
        parse_json_object(&self.json, "claims").unwrap_or_default()
    }
}

/// Parses a claims set: one strict JSON object; returns the members in `names`.
pub fn claim_members<N: AsRef<str>>(json: &[u8], what: &str, names: &[N]) -> Result<Vec<Option<Value>>> {
    crate::json::members(json, names).map_err(|why| claims_error(what, why))
}

/// As `claim_members`, the last `raw.len()` names handed back as `json::Member`s (see
/// `json::members_raw`).
pub fn claim_members_raw<'a, N: AsRef<str>>(json: &'a [u8], what: &str, names: &[N], raw: &mut [Option<crate::json::Member<'a>>]) -> Result<Vec<Option<Value>>> {
    crate::json::members_raw(json, names, raw).map_err(|why| claims_error(what, why))
}

fn claims_error(what: &str, why: String) -> Error {
    if why == crate::json::NOT_OBJECT {
        Error::malformed(format!("the {what} is not a JSON object"))
    } else {
        Error::malformed(format!("the {what} is not valid JSON ({why})"))
    }
}

