//! The Socket.IO handshake authenticator: finds the token where clients put it and
//! sends it to the decoder for its kind (3 parts: the JWS verifier; 5 parts: the
//! Auth.js session decoder), each pinned by its own options.


use crate::authjs::AuthJsSession;
use crate::extract::{self, cookie};
use crate::token::fingerprint;
use crate::error::{Error, ErrorCode, Result};
use crate::jwt::JwtVerifier;
use crate::token::Claims;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Auth,
    Header,
    Cookie,
    Query,
}

impl Source {
    pub fn from_name(s: &str) -> Option<Source> {
        match s {
            "auth" => Some(Source::Auth),
            "header" => Some(Source::Header),
            "cookie" => Some(Source::Cookie),
            "query" => Some(Source::Query),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Source::Auth => "auth",
            Source::Header => "header",
            Source::Cookie => "cookie",
            Source::Query => "query",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jwt,
    AuthJs,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Jwt => "jwt",
            Kind::AuthJs => "authjs",
        }
    }
}

/// A handshake field as found: absent (undefined/null/empty), a string, or another type.
#[derive(Debug, Clone, Copy)]
pub enum Field<'a> {
    Absent,
    Str(&'a str),
    NotString(&'static str),
}

/// What the authenticator reads from a handshake.
#[derive(Debug, Clone, Copy)]
pub struct Handshake<'a> {
    /// `handshake.auth[authField]`
    pub auth: Field<'a>,
    /// `handshake.headers.authorization`
    pub authorization: Option<&'a str>,
    /// `handshake.headers.cookie`
    pub cookie: Option<&'a str>,
    /// `handshake.query[authField]`
    pub query: Field<'a>,
}

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
    sources: Vec<Source>,
    auth_field: String,
}

/// A token as found, and where.
pub type Found<'a> = (std::borrow::Cow<'a, str>, Source);

pub const DEFAULT_SOURCES: [Source; 3] = [Source::Auth, Source::Header, Source::Cookie];

impl HandshakeAuthenticator {
    pub fn new(jwt: Option<JwtVerifier>, authjs: Option<AuthJsSession>, sources: Option<Vec<String>>, auth_field: Option<String>) -> Result<Self> {
        if jwt.is_none() && authjs.is_none() {
            return Err(Error::options("configure at least one of jwt (access tokens) or authjs (session cookies)"));
        }
        let sources = match sources {
            None => DEFAULT_SOURCES.to_vec(),
            Some(list) => {
                if list.is_empty() {
                    return Err(Error::options("sources must not be empty"));
                }
                let mut out = Vec::new();
                for s in &list {
                    let src = Source::from_name(s).ok_or_else(|| {
                        Error::options(format!("unknown source '{}'; expected auth, header, cookie or query", crate::util::printable(s, 12)))
                    })?;
                    if !out.contains(&src) {
                        out.push(src);
                    }
                }
                out
            }
        };
        let auth_field = auth_field.unwrap_or_else(|| "token".to_string());
        if auth_field.is_empty() {
            return Err(Error::options("authField must not be empty"));
        }
        Ok(HandshakeAuthenticator { jwt, authjs, sources, auth_field })
    }

    pub fn auth_field(&self) -> &str {
        &self.auth_field
    }

    /// The source looked at first.
    pub fn first_source(&self) -> Source {
        self.sources[0]
    }

    /// The clock tolerance of the decoder for a kind, in seconds.
    pub fn tolerance(&self, kind: Kind) -> f64 {
        match kind {
            Kind::Jwt => self.jwt.as_ref().map(|v| v.clock_tolerance()).unwrap_or(0.0),
            Kind::AuthJs => self.authjs.as_ref().map(|a| a.clock_tolerance()).unwrap_or(0.0),
        }
    }

    /// Where a token would be looked for, in words, for ERR_TOKEN_MISSING.
    fn places(&self) -> String {
        self.sources
            .iter()
            .filter_map(|s| match s {
                Source::Auth => Some(format!("handshake.auth.{}", self.auth_field)),
                Source::Header => Some("the Authorization: Bearer header".to_string()),
                Source::Cookie => self.authjs.as_ref().map(|a| format!("the {} cookie", a.cookie_name())),
                Source::Query => Some(format!("the query parameter {}", self.auth_field)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// For ERR_TOKEN_MISSING: the names of the cookies that did arrive, with the session
    /// cookie's name when the cookie source is on (`extract::cookie::names_seen`).
    fn cookies_seen(&self, header: Option<&str>) -> String {
        let want = self.authjs.as_ref().filter(|_| self.sources.contains(&Source::Cookie)).map(|a| a.cookie_name());
        header.map(|h| cookie::names_seen(h, want)).unwrap_or_default()
    }

    /// Finds the token: the first source holding one decides (a bad token there is
    /// refused, never skipped for the next source).
    pub fn find<'a>(&self, h: &Handshake<'a>) -> std::result::Result<Option<Found<'a>>, (Error, Source)> {
        for &source in &self.sources {
            let found = self.find_in(h, source).map_err(|e| (e, source))?;
            if let Some(t) = found {
                return Ok(Some((t, source)));
            }
        }
        Ok(None)
    }

    fn find_in<'a>(&self, h: &Handshake<'a>, source: Source) -> Result<Option<std::borrow::Cow<'a, str>>> {
        let found: Option<std::borrow::Cow<'a, str>> = match source {
            Source::Auth | Source::Query => match if source == Source::Auth { h.auth } else { h.query } {
                Field::Absent => None,
                Field::NotString(t) => {
                    return Err(Error::malformed(format!(
                        "{}.{} must be a string, got {t}",
                        if source == Source::Auth { "handshake.auth" } else { "handshake.query" },
                        self.auth_field
                    )))
                }
                Field::Str(s) => {
                    let t = extract::strip_bearer(s);
                    (!t.is_empty()).then_some(std::borrow::Cow::Borrowed(t))
                }
            },
            Source::Header => h.authorization.and_then(extract::bearer_token).map(std::borrow::Cow::Borrowed),
            Source::Cookie => match (&self.authjs, h.cookie) {
                (Some(a), Some(c)) => cookie::session_token(c, a.cookie_name(), a.max_token_length())?,
                _ => None,
            },
        };
        Ok(found)
    }

    /// Authenticates a handshake. `now_jwt`/`now_authjs` are each decoder's clock.
    /// A failure says where the token was found and gives its fingerprint, never the token.
    pub fn authenticate(&self, h: &Handshake<'_>, now_jwt: f64, now_authjs: f64) -> std::result::Result<Authenticated, Failure> {
        self.authenticate_checked(h, now_jwt, now_authjs, &mut || Ok(()))
    }

    /// As `authenticate`, with `cookie_check` run when the token comes from the cookie,
    /// before it is decoded (the Origin rule, `crate::origin`): its error refuses the
    /// handshake and nothing about the session is revealed.
    pub fn authenticate_checked(
        &self,
        h: &Handshake<'_>,
        now_jwt: f64,
        now_authjs: f64,
        cookie_check: &mut dyn FnMut() -> Result<()>,
    ) -> std::result::Result<Authenticated, Failure> {
        let (token, source) = match self.find(h) {
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
        match self.dispatch(&token, now_jwt, now_authjs) {
            Ok((claims, kind)) => Ok(Authenticated { claims, kind, source }),
            Err(error) => Err(Failure { error, source: Some(source), fingerprint: Some(fingerprint(&token)) }),
        }
    }

    /// Sends a token to the decoder for its kind.
    pub fn dispatch(&self, token: &str, now_jwt: f64, now_authjs: f64) -> Result<(Claims, Kind)> {
        // Only access tokens accepted: the JWS verifier itself refuses a JWE (5 parts) with
        // ERR_TOKEN_WRONG_KIND, so the parts need not be counted first.
        if let (Some(v), None) = (&self.jwt, &self.authjs) {
            return v.verify(token, now_jwt).map(|(_, c)| (c, Kind::Jwt));
        }
        // memchr-driven (a byte loop costs more than the HMAC's setup); 5 means "more than 4".
        let dots = token.matches('.').take(5).count();
        match dots {
            4 => match &self.authjs {
                Some(a) => a.decode(token, now_authjs).map(|c| (c, Kind::AuthJs)),
                None => Err(Error::new(
                    ErrorCode::TokenWrongKind,
                    "an encrypted JWE (such as an Auth.js session token) was sent, but no authjs options are configured",
                )),
            },
            _ => match &self.jwt {
                Some(v) => v.verify(token, now_jwt).map(|(_, c)| (c, Kind::Jwt)),
                None if dots == 2 => Err(Error::new(
                    ErrorCode::TokenWrongKind,
                    "a signed JWS (access token) was sent, but no jwt options are configured",
                )),
                None => match &self.authjs {
                    Some(a) => a.decode(token, now_authjs).map(|c| (c, Kind::AuthJs)),
                    None => Err(Error::malformed("not a compact token")),
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authjs::AuthJsOptions;
    use crate::jwt::{KeySource, VerifierOptions};
    use serde_json::{json, Value};

    const SECRET: &str = "an-hs256-secret-of-at-least-32-bytes!!";

    fn hs_token(claims: Value) -> String {
        let signer = crate::jwt::JwtSigner::new(
            crate::jwt::SignOptions { algorithm: Some("HS256".into()), ..Default::default() },
            crate::key::KeyInput::Bytes(SECRET.as_bytes()),
        )
        .unwrap();
        signer.sign(&claims, 1000.0).unwrap()
    }

    fn auth(jwt: bool, authjs: bool) -> HandshakeAuthenticator {
        let v = jwt.then(|| {
            JwtVerifier::new(VerifierOptions {
                algorithms: vec!["HS256".into()],
                key: Some(KeySource::Bytes(SECRET.as_bytes().to_vec())),
                ..Default::default()
            })
            .unwrap()
        });
        let a = authjs.then(|| AuthJsSession::new(AuthJsOptions { secrets: vec!["session-secret".into()], ..Default::default() }).unwrap());
        HandshakeAuthenticator::new(v, a, None, None).unwrap()
    }

    fn hs(auth: Field<'static>, authorization: Option<&'static str>, cookie: Option<&'static str>) -> Handshake<'static> {
        Handshake { auth, authorization, cookie, query: Field::Absent }
    }

    #[test]
    fn sources_in_order_and_first_decides() {
        let a = auth(true, true);
        let t: &'static str = Box::leak(hs_token(json!({"sub": "u1", "exp": 5000})).into_boxed_str());
        let bearer: &'static str = Box::leak(format!("Bearer {t}").into_boxed_str());
        let r = a.authenticate(&hs(Field::Str(bearer), None, None), 1000.0, 1000.0).unwrap();
        assert_eq!((r.kind, r.source, r.claims.to_map()["sub"].as_str()), (Kind::Jwt, Source::Auth, Some("u1")));
        let r = a.authenticate(&hs(Field::Absent, Some(bearer), None), 1000.0, 1000.0).unwrap();
        assert_eq!(r.source, Source::Header);
        // A bad token in auth is refused even though the header holds a good one.
        let e = a.authenticate(&hs(Field::Str("x.y.z"), Some(bearer), None), 1000.0, 1000.0).unwrap_err().error;
        assert_eq!(e.code, ErrorCode::TokenMalformed);
        // Another scheme is ignored.
        let e = a.authenticate(&hs(Field::Absent, Some("Basic abc"), None), 1000.0, 1000.0).unwrap_err().error;
        assert_eq!(e.code, ErrorCode::TokenMissing);
        assert!(e.message.contains("handshake.auth.token") && e.message.contains("authjs.session-token"));
        let e = a.authenticate(&hs(Field::NotString("number"), None, None), 1000.0, 1000.0).unwrap_err().error;
        assert_eq!(e.code, ErrorCode::TokenMalformed);
    }

    #[test]
    fn cookie_session_and_wrong_kind() {
        let a = auth(true, true);
        let session = a.authjs.as_ref().unwrap().encode(&json!({"sub": "s1"}), None, 1000.0).unwrap();
        let cookie: &'static str = Box::leak(format!("x=1; authjs.session-token={session}").into_boxed_str());
        let r = a.authenticate(&hs(Field::Absent, None, Some(cookie)), 1000.0, 1000.0).unwrap();
        assert_eq!((r.kind, r.source), (Kind::AuthJs, Source::Cookie));
        let only_jwt = auth(true, false);
        let s: &'static str = Box::leak(session.into_boxed_str());
        let e = only_jwt.authenticate(&hs(Field::Str(s), None, None), 1000.0, 1000.0).unwrap_err().error;
        assert_eq!(e.code, ErrorCode::TokenWrongKind);
        assert!(e.message.contains("AuthJsSession"), "{}", e.message);
        let only_authjs = auth(false, true);
        let t: &'static str = Box::leak(hs_token(json!({"exp": 5000})).into_boxed_str());
        assert_eq!(only_authjs.authenticate(&hs(Field::Str(t), None, None), 1000.0, 1000.0).unwrap_err().error.code, ErrorCode::TokenWrongKind);
    }

    #[test]
    fn missing_token_names_cookies_and_the_secure_variant() {
        let a = auth(true, true);
        let e = a.authenticate(&hs(Field::Absent, None, Some("theme=dark; __Secure-authjs.session-token.0=SECRETVALUE; __Secure-authjs.session-token.1=MORE")), 1000.0, 1000.0).unwrap_err().error;
        assert_eq!(e.code, ErrorCode::TokenMissing);
        assert!(e.message.contains("cookies present (names only): theme, __Secure-authjs.session-token.0, __Secure-authjs.session-token.1"), "{}", e.message);
        assert!(e.message.contains("secureCookie: true"), "{}", e.message);
        assert!(!e.message.contains("SECRETVALUE") && !e.message.contains("dark") && !e.message.contains("MORE"));
        // No hint when nothing resembles the session cookie; no cookie list without cookies.
        let e = a.authenticate(&hs(Field::Absent, None, Some("theme=dark")), 1000.0, 1000.0).unwrap_err().error;
        assert!(e.message.contains("names only): theme") && !e.message.contains("secureCookie"), "{}", e.message);
        let e = a.authenticate(&hs(Field::Absent, None, None), 1000.0, 1000.0).unwrap_err().error;
        assert!(!e.message.contains("cookies present"));
        // The other way round: secureCookie configured, the plain cookie sent.
        let s = AuthJsSession::new(AuthJsOptions { secrets: vec!["session-secret".into()], secure_cookie: true, ..Default::default() }).unwrap();
        let b = HandshakeAuthenticator::new(None, Some(s), None, None).unwrap();
        let e = b.authenticate(&hs(Field::Absent, None, Some("authjs.session-token=x")), 1000.0, 1000.0).unwrap_err().error;
        assert!(e.message.contains("secureCookie: false"), "{}", e.message);
    }

    #[test]
    fn options_checked() {
        assert_eq!(HandshakeAuthenticator::new(None, None, None, None).err().unwrap().code, ErrorCode::InvalidOptions);
        let v = auth(true, false).jwt;
        assert_eq!(HandshakeAuthenticator::new(v, None, Some(vec!["body".into()]), None).err().unwrap().code, ErrorCode::InvalidOptions);
    }
}
