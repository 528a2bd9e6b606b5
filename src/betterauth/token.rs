//! The signed session token (`<prefix>.session_token`), and the Cookie header that carries it
//! with its cookie cache.

use super::{BetterAuthCache, BetterAuthSession};
use crate::error::{Error, ErrorCode, Result};

/// The signed session token.
impl BetterAuthSession {
    /// Checks a session token cookie value (`token.signature`, URL-encoded or not) with
    /// the current secret, as better-call's getSignedCookie does; returns the token.
    pub fn verify_session_token(&self, value: &str) -> Result<String> {
        if value.len() > self.limits.max_len {
            return Err(Error::new(ErrorCode::TokenTooLarge, format!("the session token cookie is over the limit of {} bytes", self.limits.max_len)));
        }
        let decoded;
        let value = if value.contains('%') {
            decoded = crate::extract::percent_decode(value).ok_or_else(|| Error::malformed("the session token cookie is not valid URL encoding"))?;
            decoded.as_str()
        } else {
            value
        };
        let dot = value.rfind('.').filter(|i| *i >= 1).ok_or_else(|| {
            Error::malformed("the session token cookie is not '<token>.<signature>' (a signed better-auth session_token)")
        })?;
        let (token, signature) = (&value[..dot], &value[dot + 1..]);
        if signature.len() != 44 || !signature.ends_with('=') {
            return Err(Error::malformed("the session token cookie's signature is not 44 base64 characters ending in '='"));
        }
        // better-call decodes it with atob, which ignores the 2 unused bits of the last
        // character: so does this engine.
        use base64::Engine;
        let engine = base64::engine::GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
        );
        let sig = engine.decode(signature).map_err(|_| Error::malformed("the session token cookie's signature is not base64"))?;
        if !self.current.verify(token.as_bytes(), &sig) {
            return Err(Error::new(
                ErrorCode::JwsSignatureInvalid,
                "the session token cookie's signature does not match (another secret signed it, or it was altered)",
            ));
        }
        Ok(token.to_string())
    }

    /// The verified session token of a Cookie header (the `session_token` cookie), None
    /// when that cookie is absent: what a database or secondary-storage lookup is keyed by
    /// when `from_cookie_header` answers ERR_SESSION_LOOKUP_REQUIRED.
    pub fn session_token_from_header(&self, header: &str) -> Result<Option<String>> {
        match crate::extract::cookie::session_token(header, &self.token_cookie, self.limits.max_len)? {
            Some(t) => self.verify_session_token(&t).map(Some),
            None => Ok(None),
        }
    }
}

/// The Cookie header that carries the session token with its cookie cache.
impl BetterAuthSession {
    /// The session in a Cookie header, as better-auth's getSession reads it on its
    /// cookie-cache path: the signed session token and the cookie cache (chunks joined),
    /// which must belong to that token. None when neither cookie is present.
    /// A token without a usable cache is ERR_SESSION_LOOKUP_REQUIRED: only the database
    /// (or secondary storage) knows that session.
    pub fn from_cookie_header(&self, header: &str, now: f64) -> Result<Option<BetterAuthCache>> {
        use crate::extract::cookie::session_token;
        let token = session_token(header, &self.token_cookie, self.limits.max_len)?;
        let data = session_token(header, &self.data_cookie, self.limits.max_len)?;
        let token = match (token, data.as_ref()) {
            (None, None) => return Ok(None),
            (None, Some(_)) => {
                return Err(Error::new(
                    ErrorCode::TokenMissing,
                    format!(
                        "the {} cookie came without its {} cookie: better-auth's getSession reads that as signed out",
                        self.data_cookie, self.token_cookie
                    ),
                ))
            }
            (Some(t), _) => self.verify_session_token(&t)?,
        };
        let Some(data) = data else {
            return Err(Error::new(
                ErrorCode::SessionLookupRequired,
                format!(
                    "the request has a valid session token but no {} cookie (no cookie cache, or it lapsed): only the database knows this session",
                    self.data_cookie
                ),
            ));
        };
        let cache = self.decode(&data, now)?;
        if cache.token != token {
            return Err(Error::new(
                ErrorCode::SessionLookupRequired,
                "the cookie cache belongs to another session than the session token (better-auth ignores such a cache and reads the database)",
            ));
        }
        Ok(Some(cache))
    }
}
