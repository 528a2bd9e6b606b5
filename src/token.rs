//! Splitting a compact token into its parts, shared by JWS verification, the Auth.js
//! (JWE) decoder, the handshake authenticator and `inspect`.

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
    let t = token.as_bytes();
    if t.len() >= 7 && t[..7].eq_ignore_ascii_case(b"bearer ") {
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

/// A verified claims set: the parsed object (for checks) and its exact JSON text
/// (handed to JS's JSON.parse, which makes every member, `__proto__` included, an own
/// property, as jose and @auth/core do).
#[derive(Debug, Clone)]
pub struct Claims {
    pub map: Map<String, Value>,
    pub json: Vec<u8>,
}

impl Claims {
    pub fn parse(json: Vec<u8>, what: &str) -> Result<Claims> {
        let map = parse_json_object(&json, what)?;
        Ok(Claims { map, json })
    }
}

impl std::ops::Deref for Claims {
    type Target = Map<String, Value>;
    fn deref(&self) -> &Map<String, Value> {
        &self.map
    }
}

/// The header's `alg` as a string, or a clear error.
pub fn header_str<'h>(header: &'h Map<String, Value>, name: &str) -> Result<Option<&'h str>> {
    match header.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(Error::malformed(format!("the header's {name} must be a string"))),
    }
}
