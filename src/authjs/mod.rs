//! Auth.js (NextAuth v5) and NextAuth v4 session tokens: compact JWE, alg `dir`,
//! decoded synchronously with keys derived once, in the constructor.

mod encode;
pub mod keys;

use serde_json::Value;

use crate::dirjwe::DirJwe;
use crate::error::{Error, ErrorCode, Result};
use crate::jwt::claims::check_times;
use crate::session::{checked_times, SessionDecoder, SessionLimits};
use crate::token::{claim_members, Claims};
pub use keys::Format;

pub use crate::session::DEFAULT_MAX_LENGTH;
pub const DEFAULT_CLOCK_TOLERANCE: f64 = 15.0;
pub const DEFAULT_MAX_AGE: f64 = 30.0 * 24.0 * 60.0 * 60.0;

/// The message for a 3-part token given to the session decoder.
pub const JWS_GIVEN_TO_JWE: &str = "the token has 3 parts: it is a signed JWS (such as an access token), not an Auth.js session JWE; verify it with JwtVerifier (or HandshakeAuthenticator with jwt options)";

/// A session must say when it ends: Auth.js and NextAuth always write `exp` (iat + maxAge),
/// and a session without one would never expire (nor would a socket opened with it). As a
/// JWT without exp is refused by default: ERR_JWT_CLAIM_MISSING, claim 'exp'.
fn require_exp(exp: Option<&Value>) -> Result<()> {
    match exp {
        Some(_) => Ok(()),
        None => Err(Error::claim(ErrorCode::JwtClaimMissing, "exp", "the session has no exp claim")),
    }
}

#[derive(Debug, Clone, Default)]
pub struct AuthJsOptions {
    pub secrets: Vec<String>,
    pub cookie_name: Option<String>,
    pub secure_cookie: bool,
    pub salt: Option<String>,
    pub format: Option<String>,
    pub clock_tolerance: Option<f64>,
    pub max_token_length: Option<f64>,
}

pub struct AuthJsSession {
    cookie_name: String,
    jwe: DirJwe,
    /// The tolerance resolved (the option, else the format's).
    tolerance: f64,
    limits: SessionLimits,
}

/// The default session cookie name of each format.
pub fn default_cookie_name(format: Format, secure: bool) -> String {
    crate::dirjwe::cookie_name(format.constants().cookie, secure)
}

/// Construction (the format, the secrets, the cookie name, the derived keys) and the settings.
impl AuthJsSession {
    pub fn new(o: AuthJsOptions) -> Result<AuthJsSession> {
        let format = match o.format.as_deref() {
            None | Some("v5") => Format::V5,
            Some("v4") => Format::V4,
            Some(other) => return Err(Error::options(format!("format must be 'v5' or 'v4', not '{}'", crate::util::printable(other, 8)))),
        };
        if o.secrets.is_empty() {
            return Err(Error::options("secret is required (AUTH_SECRET; a list for rotation)"));
        }
        if o.secrets.iter().any(|s| s.is_empty()) {
            return Err(Error::options("secret must not be empty"));
        }
        let limits = SessionLimits::new(o.clock_tolerance, o.max_token_length)?;
        let tolerance = limits.tolerance_or(format.constants().tolerance);
        let cookie_name = match o.cookie_name {
            Some(n) if n.is_empty() || n.contains([';', '=', ' ', ',']) => {
                return Err(Error::options("cookieName must be a non-empty cookie name"))
            }
            Some(n) => n,
            None => default_cookie_name(format, o.secure_cookie),
        };
        let salt = match (o.salt, format) {
            (Some(s), _) => s,
            (None, Format::V5) => cookie_name.clone(),
            (None, Format::V4) => String::new(),
        };
        let jwe = DirJwe::new(format.constants(), &o.secrets, &salt, JWS_GIVEN_TO_JWE)?;
        Ok(AuthJsSession { cookie_name, jwe, tolerance, limits })
    }

    pub fn cookie_name(&self) -> &str {
        &self.cookie_name
    }

    pub fn clock_tolerance(&self) -> f64 {
        self.tolerance
    }
}

/// Decoding: a token, the session cookie of a Cookie header, or as getToken() reads a request.
impl AuthJsSession {
    /// Decodes and checks a session token; returns its claims.
    pub fn decode(&self, token: &str, now: f64) -> Result<Claims> {
        let plaintext = self.jwe.decrypt(token, self.limits.max_len)?;
        match self.limits.consulted() {
            None => {
                let m = claim_members(&plaintext, "session payload", &["exp", "nbf", "iat"])?;
                require_exp(m[0].as_ref())?;
                check_times(m[0].as_ref(), m[1].as_ref(), m[2].as_ref(), now, self.tolerance)?;
            }
            Some(list) => {
                let m = claim_members(&plaintext, "session payload", &["exp", "nbf", "iat", "jti", "sub", "auth_time"])?;
                require_exp(m[0].as_ref())?;
                let times = checked_times(m[0].as_ref(), m[1].as_ref(), m[2].as_ref(), now, self.tolerance)?;
                let mut ids = crate::revocation::TokenIds::from_values(m[3].as_ref(), m[4].as_ref(), times.iat)?;
                ids.auth_time = crate::jwt::claims::numeric_date(m[5].as_ref(), "auth_time")?;
                ids.session = true;
                list.check(&ids, now)?;
            }
        }
        Ok(Claims { json: plaintext })
    }

    /// The session in a Cookie header; None when the session cookie is absent.
    pub fn from_cookie_header(&self, header: &str, now: f64) -> Result<Option<Claims>> {
        match crate::extract::cookie::session_token(header, &self.cookie_name, self.limits.max_len)? {
            Some(token) => self.decode(&token, now).map(Some),
            None => Ok(None),
        }
    }

    /// As getToken(): the cookie first, then `Authorization: Bearer <url-encoded token>`.
    pub fn from_headers(&self, cookie: Option<&str>, authorization: Option<&str>, now: f64) -> Result<Option<Claims>> {
        if let Some(c) = cookie {
            if let Some(claims) = self.from_cookie_header(c, now)? {
                return Ok(Some(claims));
            }
        }
        match authorization.and_then(crate::extract::bearer_token) {
            Some(raw) => {
                let token = crate::extract::percent_decode(raw)
                    .ok_or_else(|| Error::malformed("the Bearer token is not valid URL encoding"))?;
                self.decode(&token, now).map(Some)
            }
            None => Ok(None),
        }
    }
}

impl SessionDecoder for AuthJsSession {
    fn limits(&self) -> &SessionLimits {
        &self.limits
    }

    fn limits_mut(&mut self) -> &mut SessionLimits {
        &mut self.limits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use crate::b64;

    fn session(secrets: &[&str]) -> AuthJsSession {
        AuthJsSession::new(AuthJsOptions { secrets: secrets.iter().map(|s| s.to_string()).collect(), ..Default::default() }).unwrap()
    }

    #[test]
    fn roundtrip_and_rotation() {
        let now = 1_800_000_000.0;
        let a = session(&["secret-a-secret-a-secret-a-secret-a"]);
        let t = a.encode(&json!({"sub": "u1", "name": "Zoë"}), None, now).unwrap();
        let c = a.decode(&t, now).unwrap().to_map();
        assert_eq!(c["sub"], "u1");
        assert_eq!(c["name"], "Zoë");
        assert_eq!(c["exp"].as_i64().unwrap(), 1_800_000_000 + 2_592_000);
        // Rotation: the old secret listed second still decodes by kid.
        let rotated = session(&["secret-b-secret-b-secret-b-secret-b", "secret-a-secret-a-secret-a-secret-a"]);
        assert_eq!(rotated.decode(&t, now).unwrap().to_map()["sub"], "u1");
        let other = session(&["secret-c-secret-c-secret-c-secret-c"]);
        assert_eq!(other.decode(&t, now).unwrap_err().code, ErrorCode::JweNoMatchingSecret);
    }

    #[test]
    fn expiry_with_fifteen_seconds() {
        let a = session(&["s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t"]);
        let t = a.encode(&json!({}), Some(60.0), 1000.0).unwrap();
        assert!(a.decode(&t, 1074.0).is_ok());
        let e = a.decode(&t, 1076.0).unwrap_err();
        assert_eq!((e.code, e.claim.as_deref()), (ErrorCode::JwtExpired, Some("exp")));
    }

    #[test]
    fn header_errors_first() {
        let a = session(&["s3cr3t-s3cr3t-s3cr3t-s3cr3t-s3cr3t"]);
        let mk = |h: &str| format!("{}..AAAA.AAAA.AAAA", b64::encode(h.as_bytes()));
        let code = |t: String| a.decode(&t, 0.0).unwrap_err().code;
        assert_eq!(code(mk(r#"{"alg":"A256KW","enc":"A256CBC-HS512"}"#)), ErrorCode::JweUnsupported);
        assert_eq!(code(mk(r#"{"alg":"PBES2-HS256+A128KW","p2c":999999999,"enc":"A256CBC-HS512"}"#)), ErrorCode::JweUnsupported);
        assert_eq!(code(mk(r#"{"alg":"dir","enc":"A128GCM"}"#)), ErrorCode::JweUnsupported);
        assert_eq!(code(mk(r#"{"alg":"dir","enc":"A256GCM","zip":"DEF"}"#)), ErrorCode::JweUnsupported);
        assert_eq!(code(mk(r#"{"alg":"dir","enc":"A256GCM","crit":["x"]}"#)), ErrorCode::TokenMalformed);
        assert_eq!(code(mk(r#"{"alg":"dir","enc":"A256GCM","kid":7}"#)), ErrorCode::TokenMalformed);
        assert_eq!(code("a.b.c".into()), ErrorCode::TokenWrongKind);
        assert_eq!(code("".into()), ErrorCode::TokenMalformed);
        // No kid: the first secret, and a wrong IV length is a decryption failure.
        assert_eq!(code(mk(r#"{"alg":"dir","enc":"A256GCM"}"#)), ErrorCode::JweDecryptionFailed);
    }
}
