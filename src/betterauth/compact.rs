//! The `compact` strategy: base64url JSON `{session, expiresAt, signature}`, the signature an
//! HMAC-SHA256 over the text better-auth signed, rebuilt from the cookie's bytes.

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::{BetterAuthCache, BetterAuthSession, Strategy};
use crate::b64;
use crate::error::{Error, ErrorCode, Result};

impl BetterAuthSession {
    pub(super) fn decode_compact(&self, value: &str, now: f64, tolerance: f64) -> Result<BetterAuthCache> {
        let bytes = b64::decode(value.as_bytes(), "compact cookie cache")?;
        let text = std::str::from_utf8(&bytes).map_err(|_| Error::malformed("the compact cookie cache is not UTF-8 JSON"))?;
        #[derive(Deserialize)]
        struct Compact<'a> {
            #[serde(borrow)]
            session: &'a RawValue,
            #[serde(rename = "expiresAt", borrow)]
            expires_at: &'a RawValue,
            signature: String,
        }
        let c: Compact = serde_json::from_str(text)
            .map_err(|_| Error::malformed("the compact cookie cache is not {session, expiresAt, signature} JSON"))?;
        let session = c.session.get();
        let expires = c.expires_at.get();
        if !session.starts_with('{') {
            return Err(Error::malformed("the compact cookie cache's session is not an object"));
        }
        let expires_ms: f64 = match serde_json::from_str::<Value>(expires) {
            Ok(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
            _ => f64::NAN,
        };
        if !expires_ms.is_finite() {
            return Err(Error::claim(ErrorCode::JwtClaimInvalid, "expiresAt", "the compact cookie cache's expiresAt is not a finite number"));
        }
        let mut sig = [std::mem::MaybeUninit::<u8>::uninit(); 64];
        let sig = b64::decode_small(c.signature.as_bytes(), &mut sig, "signature")?;
        if !self.current.verify(signed_text(session, expires).as_bytes(), &sig) {
            return Err(Error::new(
                ErrorCode::JwsSignatureInvalid,
                "the compact cookie cache's signature does not match (another secret signed it, or it was altered)",
            ));
        }
        self.payload(session.as_bytes(), Strategy::Compact, Some(expires_ms / 1000.0), now, tolerance)
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
