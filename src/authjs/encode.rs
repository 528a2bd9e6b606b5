//! Sessions written as Auth.js writes them (`encode`): for tests and for tools that mint a
//! session (the CLI), with the first secret.

use serde_json::Value;

use super::{AuthJsSession, DEFAULT_MAX_AGE};
use crate::error::{Error, ErrorCode, Result};

/// A random RFC 4122 version 4 UUID, as `jti`.
fn uuid_v4() -> Result<String> {
    let mut b = [0u8; 16];
    openssl::rand::rand_bytes(&mut b).map_err(|_| Error::new(ErrorCode::Internal, "no random bytes for jti"))?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    Ok(format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32]))
}

impl AuthJsSession {
    /// Encrypts claims as Auth.js's `encode` does: iat, exp (iat + maxAge) and jti set
    /// here, with the first secret.
    pub fn encode(&self, claims: &Value, max_age: Option<f64>, now: f64) -> Result<String> {
        let mut claims = match claims {
            Value::Object(m) => m.clone(),
            _ => return Err(Error::options("claims must be a plain object")),
        };
        let max_age = crate::options::seconds_option("maxAge", max_age)?.unwrap_or(DEFAULT_MAX_AGE);
        let iat = now.floor() as i64;
        claims.insert("iat".into(), Value::from(iat));
        claims.insert("exp".into(), Value::from(iat + max_age.floor() as i64));
        claims.insert("jti".into(), Value::String(uuid_v4()?));
        let payload = serde_json::to_vec(&claims).map_err(|_| Error::options("claims could not be serialized to JSON"))?;
        self.jwe.encrypt(&payload)
    }
}
