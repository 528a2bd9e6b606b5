//! Which decoder a found token goes to: by its parts (and a JWE's kid), to the JWS
//! verifier, the Auth.js session decoder or Better Auth's.

use super::HandshakeAuthenticator;
use crate::betterauth::BetterAuthSession;
use crate::error::{Error, ErrorCode, Result};
use crate::token::Claims;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jwt,
    AuthJs,
    BetterAuth,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Jwt => "jwt",
            Kind::AuthJs => "authjs",
            Kind::BetterAuth => "better-auth",
        }
    }

    pub fn from_name(s: &str) -> Option<Kind> {
        match s {
            "jwt" => Some(Kind::Jwt),
            "authjs" => Some(Kind::AuthJs),
            "better-auth" => Some(Kind::BetterAuth),
            _ => None,
        }
    }
}

/// The three clocks (seconds since the epoch), one per kind.
#[derive(Debug, Clone, Copy)]
pub struct Clocks {
    pub jwt: f64,
    pub authjs: f64,
    pub better_auth: f64,
}

impl Clocks {
    pub fn all(t: f64) -> Clocks {
        Clocks { jwt: t, authjs: t, better_auth: t }
    }
}

/// The `kid` of a compact JWE's protected header, when it has one.
fn jwe_kid(token: &str) -> Option<String> {
    let header = token.split('.').next()?;
    let bytes = crate::b64::decode(header.as_bytes(), "JWE header").ok()?;
    #[derive(serde::Deserialize)]
    struct H {
        kid: Option<String>,
    }
    serde_json::from_slice::<H>(&bytes).ok()?.kid
}

/// Better Auth's jwe caches carry a SHA-256 JWK thumbprint as kid (43 characters).
const BETTER_AUTH_KID_LEN: usize = 43;

impl HandshakeAuthenticator {

    /// A Better Auth cookie-cache value, decoded and checked (revocation included).
    fn better_auth_value(&self, b: &BetterAuthSession, token: &str, now: f64) -> Result<(Claims, Kind)> {
        let cache = b.decode(token, now)?;
        b.claims(cache, now).map(|c| (c, Kind::BetterAuth))
    }

    /// Sends a token to the decoder for its kind: 2 parts to Better Auth's session token
    /// check (ERR_SESSION_LOOKUP_REQUIRED once it passes), 3 parts to the JWS verifier (a Better Auth
    /// 'jwt' cookie cache when no jwt options are configured), 5 parts to the Auth.js decoder
    /// or Better Auth's (by the kid: 43 characters is Better Auth's thumbprint), one segment to
    /// Better Auth's compact cache.
    pub fn dispatch(&self, token: &str, now: Clocks) -> Result<(Claims, Kind)> {
        // Only access tokens accepted: the JWS verifier itself refuses a JWE (5 parts) with
        // ERR_TOKEN_WRONG_KIND, so the parts need not be counted first.
        if let (Some(v), None, None) = (&self.jwt, &self.authjs, &self.better_auth) {
            return v.verify(token, now.jwt).map(|(_, c)| (c, Kind::Jwt));
        }
        // memchr-driven (a byte loop costs more than the HMAC's setup); 5 means "more than 4".
        let dots = token.matches('.').take(5).count();
        match (dots, &self.better_auth) {
            (0, Some(b)) => return self.better_auth_value(b, token, now.better_auth),
            // Better Auth's signed session token (the bearer plugin's `Authorization: Bearer`,
            // `token.signature`: one dot): checked, then only the database knows its session.
            (1, Some(b)) => {
                b.verify_session_token(token)?;
                return Err(Error::new(
                    ErrorCode::SessionLookupRequired,
                    "a Better Auth session token was sent (its bearer plugin): only the database knows this session (betterAuth.lookupSession, on the async paths)",
                ));
            }
            (2, Some(b)) if self.jwt.is_none() => return self.better_auth_value(b, token, now.better_auth),
            (4, Some(b)) if self.authjs.is_none() || jwe_kid(token).is_some_and(|k| k.len() == BETTER_AUTH_KID_LEN) => {
                return self.better_auth_value(b, token, now.better_auth)
            }
            _ => {}
        }
        match dots {
            4 => match &self.authjs {
                Some(a) => a.decode(token, now.authjs).map(|c| (c, Kind::AuthJs)),
                None => Err(Error::new(
                    ErrorCode::TokenWrongKind,
                    "an encrypted JWE (such as an Auth.js session token) was sent, but no authjs options are configured",
                )),
            },
            _ => match &self.jwt {
                Some(v) => v.verify(token, now.jwt).map(|(_, c)| (c, Kind::Jwt)),
                None if dots == 2 => Err(Error::new(
                    ErrorCode::TokenWrongKind,
                    "a signed JWS (access token) was sent, but no jwt options are configured",
                )),
                None => match &self.authjs {
                    Some(a) => a.decode(token, now.authjs).map(|c| (c, Kind::AuthJs)),
                    None => Err(Error::malformed("not a compact token")),
                },
            },
        }
    }
}
