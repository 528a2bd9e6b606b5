//! The `compact` strategy: base64url JSON `{session, expiresAt, signature}`, the signature an
//! HMAC-SHA256 over the text better-auth signed, rebuilt from the cookie's bytes.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::{BetterAuthCache, BetterAuthSession, Strategy};
use crate::b64;
use crate::error::{Error, ErrorCode, Result};

/// A compact cache's three members: `session` and `expiresAt` as their JSON text, the signature.
struct Parts<'a> {
    session: &'a str,
    expires: &'a str,
    signature: Cow<'a, str>,
}

impl BetterAuthSession {
    pub(super) fn decode_compact(&self, value: &str, now: f64, tolerance: f64) -> Result<BetterAuthCache> {
        let bytes = b64::decode(value.as_bytes(), "compact cookie cache")?;
        let text = std::str::from_utf8(&bytes).map_err(|_| Error::malformed("the compact cookie cache is not UTF-8 JSON"))?;
        // The layout better-auth writes, read without a JSON pass (the session's JSON is
        // checked by `payload`). Whatever fails there is decided again by the full parse
        // below, so errors and their order stay those of the full parse.
        if let Some(parts) = as_written(text) {
            if let Ok(cache) = self.compact_parts(parts, now, tolerance) {
                return Ok(cache);
            }
        }
        self.compact_parts(parsed(text)?, now, tolerance)
    }

    /// Checks the members and the signature of a compact cache, then its payload.
    fn compact_parts(&self, parts: Parts, now: f64, tolerance: f64) -> Result<BetterAuthCache> {
        let Parts { session, expires, signature } = parts;
        if !session.starts_with('{') {
            return Err(Error::malformed("the compact cookie cache's session is not an object"));
        }
        let expires_ms = number(expires);
        if !expires_ms.is_finite() {
            return Err(Error::claim(ErrorCode::JwtClaimInvalid, "expiresAt", "the compact cookie cache's expiresAt is not a finite number"));
        }
        let mut sig = [std::mem::MaybeUninit::<u8>::uninit(); 64];
        let sig = b64::decode_small(signature.as_bytes(), &mut sig, "signature")?;
        if !self.current.verify(signed_text(session, expires).as_bytes(), &sig) {
            return Err(Error::new(
                ErrorCode::JwsSignatureInvalid,
                "the compact cookie cache's signature does not match (another secret signed it, or it was altered)",
            ));
        }
        self.payload_text(session, Strategy::Compact, Some(expires_ms / 1000.0), now, tolerance)
    }
}

/// The members of a compact cache's JSON, whatever its layout (serde_json: strict JSON,
/// every member once).
fn parsed(text: &str) -> Result<Parts<'_>> {
    #[derive(Deserialize)]
    struct Compact<'a> {
        #[serde(borrow)]
        session: &'a RawValue,
        #[serde(rename = "expiresAt", borrow)]
        expires_at: &'a RawValue,
        #[serde(borrow)]
        signature: Cow<'a, str>,
    }
    let c: Compact = serde_json::from_str(text).map_err(|_| Error::malformed("the compact cookie cache is not {session, expiresAt, signature} JSON"))?;
    Ok(Parts { session: c.session.get(), expires: c.expires_at.get(), signature: c.signature })
}

/// The members of a compact cache written as better-auth's JSON.stringify writes it,
/// `{"session":{…},"expiresAt":<integer>,"signature":"<base64url>"}`, found from both ends
/// without a JSON pass; None for any other layout. The text is then strict JSON with exactly
/// these members, and these spans are what `parsed` finds, exactly when the session's span
/// is a JSON object (which `payload` checks).
fn as_written(text: &str) -> Option<Parts<'_>> {
    let body = text.strip_prefix("{\"session\":")?.strip_suffix("\"}")?;
    let quote = body.rfind('"')?;
    let signature = &body[quote + 1..];
    if !signature.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_') {
        return None;
    }
    let before = body[..quote].strip_suffix(",\"signature\":")?;
    let digits = before.len() - before.bytes().rev().take_while(u8::is_ascii_digit).count();
    let expires = &before[digits..];
    if expires.is_empty() || (expires.len() > 1 && expires.starts_with('0')) {
        return None;
    }
    let session = before[..digits].strip_suffix(",\"expiresAt\":")?;
    if !(session.starts_with('{') && session.ends_with('}')) {
        return None;
    }
    Some(Parts { session, expires, signature: Cow::Borrowed(signature) })
}

/// A JSON number's value (NaN for anything else): plain integers of up to 15 digits read
/// directly, the rest by serde_json.
fn number(text: &str) -> f64 {
    if (1..=15).contains(&text.len()) && text.bytes().all(|c| c.is_ascii_digit()) && (text.len() == 1 || !text.starts_with('0')) {
        return text.bytes().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')) as f64;
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

/// The text better-auth HMACs for a compact cache, `JSON.stringify({...session,
/// expiresAt})`, from the cookie's own bytes: `session`'s members as they stand, then
/// `"expiresAt":` and the number as it stands. Equal to better-auth's text for every cookie
/// it writes, because it serialized the cookie with the same JSON.stringify. Where they
/// could differ: (1) a cookie re-encoded by someone else (spaces, other escapes or number
/// forms, the same values): better-auth re-serializes and may accept it, this refuses it;
/// (2) a string that better-auth's reviver turns into a Date (`YYYY-MM-DDTHH:MM:SSZ`
/// without milliseconds, or with other than 3 digits) comes back from JSON.stringify in
/// another form, so better-auth refuses its own cookie (and reads the database), this
/// accepts it: the bytes are what the secret signed.
fn signed_text(session: &str, expires: &str) -> String {
    let inner = session[1..session.len() - 1].trim_matches([' ', '\t', '\n', '\r']);
    let mut s = String::with_capacity(session.len() + expires.len() + 16);
    s.push('{');
    s.push_str(inner);
    if !inner.is_empty() {
        s.push(',');
    }
    s.push_str("\"expiresAt\":");
    s.push_str(expires);
    s.push('}');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The layout read from both ends gives what the JSON parse gives, and anything else
    /// is left to the parse.
    #[test]
    fn as_written_agrees_with_the_parse() {
        let good = r#"{"session":{"session":{"id":"a"},"user":{"id":"b"},"updatedAt":1,"version":"1"},"expiresAt":1796669596913,"signature":"SW_lt8B-hP"}"#;
        let (fast, full) = (as_written(good).unwrap(), parsed(good).unwrap());
        assert_eq!((fast.session, fast.expires, &*fast.signature), (full.session, full.expires, &*full.signature));
        assert_eq!(number(fast.expires), 1796669596913.0);
        for other in [
            r#"{"session":{},"expiresAt":1.5,"signature":"x"}"#,
            r#"{"session":{},"expiresAt":01,"signature":"x"}"#,
            r#"{"session":{},"expiresAt":,"signature":"x"}"#,
            r#"{"session":{},"expiresAt":1,"signature":"x\n"}"#,
            r#"{"session":{} ,"expiresAt":1,"signature":"x"}"#,
            r#"{"session":[],"expiresAt":1,"signature":"x"}"#,
            r#"{"session":{},"expiresAt":1,"signature":"x"} "#,
            r#"{"expiresAt":1,"session":{},"signature":"x"}"#,
        ] {
            assert!(as_written(other).is_none(), "{other}");
        }
        assert!(number("1e3") == 1000.0 && number("-2") == -2.0 && number("0") == 0.0 && number("x").is_nan());
    }
}
