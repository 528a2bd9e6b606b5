//! The Socket.IO handshake authenticator: finds the token where clients put it and
//! sends it to the decoder for its kind (3 parts: the JWS verifier; 5 parts: the
//! Auth.js session decoder), each pinned by its own options. Where a token is looked for:
//! `places`; which decoder it goes to: `dispatch`; the authenticator: here.

use crate::authjs::AuthJsSession;
use crate::betterauth::BetterAuthSession;
use crate::token::fingerprint;
use crate::error::{Error, ErrorCode, Result};
use crate::jwt::JwtVerifier;
use crate::token::Claims;

mod dispatch;
mod places;

pub use dispatch::{Clocks, Kind};
pub use places::{Field, Found, Handshake, Source, DEFAULT_SOURCES};

#[derive(Debug)]
pub struct Authenticated {
    pub claims: Claims,
    pub kind: Kind,
    pub source: Source,
}

/// A refused handshake: the error, where the token was found, and its fingerprint.
#[derive(Debug)]
pub struct Failure {
    pub error: Error,
    pub source: Option<Source>,
    pub fingerprint: Option<String>,
}

pub struct HandshakeAuthenticator {
    pub jwt: Option<JwtVerifier>,
    pub authjs: Option<AuthJsSession>,
    pub better_auth: Option<BetterAuthSession>,
    sources: Vec<Source>,
    auth_field: String,
}

/// Construction and what the napi layer reads of the settings.
impl HandshakeAuthenticator {
    pub fn new(
        jwt: Option<JwtVerifier>,
        authjs: Option<AuthJsSession>,
        better_auth: Option<BetterAuthSession>,
        sources: Option<Vec<String>>,
        auth_field: Option<String>,
    ) -> Result<Self> {
        if jwt.is_none() && authjs.is_none() && better_auth.is_none() {
            return Err(Error::options("configure at least one of jwt (access tokens), authjs or betterAuth (session cookies)"));
        }
        let sources = places::sources(sources)?;
        let auth_field = auth_field.unwrap_or_else(|| "token".to_string());
        if auth_field.is_empty() {
            return Err(Error::options("authField must not be empty"));
        }
        Ok(HandshakeAuthenticator { jwt, authjs, better_auth, sources, auth_field })
    }

    pub fn auth_field(&self) -> &str {
        &self.auth_field
    }

    /// The source looked at first.
    pub fn first_source(&self) -> Source {
        self.sources[0]
    }

    /// Where a token is looked for, in order (the `sources` option, default `DEFAULT_SOURCES`).
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The clock tolerance of the decoder for a kind, in seconds.
    pub fn tolerance(&self, kind: Kind) -> f64 {
        match kind {
            Kind::Jwt => self.jwt.as_ref().map(|v| v.clock_tolerance()).unwrap_or(0.0),
            Kind::AuthJs => self.authjs.as_ref().map(|a| a.clock_tolerance()).unwrap_or(0.0),
            // The option, else the pinned strategy's (an unpinned decoder: none, so that a
            // connection closes no later than its session).
            Kind::BetterAuth => self
                .better_auth
                .as_ref()
                .map(|b| b.clock_tolerance(b.strategy().unwrap_or(crate::betterauth::Strategy::Compact)))
                .unwrap_or(0.0),
        }
    }
}

/// Authentication: the token found (`places`), the cookie check, the decoder for its kind (`dispatch`).
impl HandshakeAuthenticator {
    /// Authenticates a handshake. `now_jwt`/`now_authjs` are each decoder's clock.
    /// A failure says where the token was found and gives its fingerprint, never the token.
    pub fn authenticate(&self, h: &Handshake<'_>, now: Clocks) -> std::result::Result<Authenticated, Failure> {
        self.authenticate_checked(h, now, &mut || Ok(()))
    }

    /// As `authenticate`, with `cookie_check` run when the token comes from the cookie,
    /// before it is decoded (the Origin rule, `crate::origin`): its error refuses the
    /// handshake and nothing about the session is revealed.
    pub fn authenticate_checked(
        &self,
        h: &Handshake<'_>,
        now: Clocks,
        cookie_check: &mut dyn FnMut() -> Result<()>,
    ) -> std::result::Result<Authenticated, Failure> {
        let (token, source, better_auth_cookie) = match self.find_marked(h) {
            Ok(Some(found)) => found,
            Ok(None) => {
                let e = Error::new(ErrorCode::TokenMissing, format!("no token found; looked in {}{}", self.places(), self.cookies_seen(h.cookie)));
                return Err(Failure { error: e, source: None, fingerprint: None });
            }
            Err((error, source)) => return Err(Failure { error, source: Some(source), fingerprint: None }),
        };
        if source == Source::Cookie {
            if let Err(error) = cookie_check() {
                return Err(Failure { error, source: Some(source), fingerprint: Some(fingerprint(&token)) });
            }
        }
        let fail = |error: Error| Failure { error, source: Some(source), fingerprint: Some(fingerprint(&token)) };
        // Better Auth's cookies (the Auth.js cookie, when configured, was not there).
        if better_auth_cookie {
            if let (Some(b), Some(c)) = (&self.better_auth, h.cookie) {
                return match b.from_cookie_header(c, now.better_auth) {
                    Ok(Some(cache)) => b.claims(cache, now.better_auth).map(|claims| Authenticated { claims, kind: Kind::BetterAuth, source }).map_err(fail),
                    Ok(None) => Err(fail(Error::new(ErrorCode::TokenMissing, "no Better Auth session cookie"))),
                    Err(e) => Err(fail(e)),
                };
            }
        }
        match self.dispatch(&token, now) {
            Ok((claims, kind)) => Ok(Authenticated { claims, kind, source }),
            Err(error) => Err(Failure { error, source: Some(source), fingerprint: Some(fingerprint(&token)) }),
        }
    }
}

#[cfg(test)]
mod tests;
