//! The Socket.IO handshake authenticator: finds the token where clients put it and
//! sends it to the decoder for its kind (3 parts: the JWS verifier; 5 parts: the
//! Auth.js session decoder), each pinned by its own options.


use crate::authjs::AuthJsSession;
use crate::betterauth::BetterAuthSession;
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
    pub better_auth: Option<BetterAuthSession>,
    sources: Vec<Source>,
    auth_field: String,
}

/// A token as found, and where. For Better Auth's cookies (`Source::Cookie` without an
/// Auth.js session cookie) the token is the session token cookie's value (what a refusal's
/// fingerprint is made from) and the whole Cookie header is decoded.
pub type Found<'a> = (std::borrow::Cow<'a, str>, Source);

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

pub const DEFAULT_SOURCES: [Source; 3] = [Source::Auth, Source::Header, Source::Cookie];

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
        Ok(HandshakeAuthenticator { jwt, authjs, better_auth, sources, auth_field })
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
            // The option, else the pinned strategy's (an unpinned decoder: none, so that a
            // connection closes no later than its session).
            Kind::BetterAuth => self
                .better_auth
                .as_ref()
                .map(|b| b.clock_tolerance(b.strategy().unwrap_or(crate::betterauth::Strategy::Compact)))
                .unwrap_or(0.0),
        }
    }

    /// Where a token would be looked for, in words, for ERR_TOKEN_MISSING.
    fn places(&self) -> String {
        self.sources
            .iter()
            .filter_map(|s| match s {
                Source::Auth => Some(format!("handshake.auth.{}", self.auth_field)),
                Source::Header => Some("the Authorization: Bearer header".to_string()),
                Source::Cookie => {
                    let mut names: Vec<String> = Vec::new();
                    if let Some(a) = &self.authjs {
                        names.push(format!("the {} cookie", a.cookie_name()));
                    }
                    if let Some(b) = &self.better_auth {
                        names.push(format!("the {} cookie", b.token_cookie_name()));
                    }
                    (!names.is_empty()).then(|| names.join(", "))
                }
                Source::Query => Some(format!("the query parameter {}", self.auth_field)),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// For ERR_TOKEN_MISSING: the names of the cookies that did arrive, with the session
    /// cookie's name when the cookie source is on (`extract::cookie::names_seen`).
    fn cookies_seen(&self, header: Option<&str>) -> String {
        let on = self.sources.contains(&Source::Cookie);
        let want = match (&self.authjs, &self.better_auth) {
            (Some(a), _) if on => Some((a.cookie_name(), "authjs")),
            (None, Some(b)) if on => Some((b.token_cookie_name(), "betterAuth")),
            _ => None,
        };
        header.map(|h| cookie::names_seen_for(h, want)).unwrap_or_default()
    }

    /// Finds the token: the first source holding one decides (a bad token there is
    /// refused, never skipped for the next source).
    pub fn find<'a>(&self, h: &Handshake<'a>) -> std::result::Result<Option<Found<'a>>, (Error, Source)> {
        self.find_marked(h).map(|f| f.map(|(t, source, _)| (t, source)))
    }

    /// As `find`, with whether the token is one of Better Auth's cookies.
    fn find_marked<'a>(&self, h: &Handshake<'a>) -> std::result::Result<Option<(std::borrow::Cow<'a, str>, Source, bool)>, (Error, Source)> {
        for &source in &self.sources {
            let found = self.find_in(h, source).map_err(|e| (e, source))?;
            if let Some((t, better_auth)) = found {
                return Ok(Some((t, source, better_auth)));
            }
        }
        Ok(None)
    }

    /// The token a source holds, and whether it is one of Better Auth's cookies.
    fn find_in<'a>(&self, h: &Handshake<'a>, source: Source) -> Result<Option<(std::borrow::Cow<'a, str>, bool)>> {
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
            Source::Cookie => {
                let Some(c) = h.cookie else { return Ok(None) };
                if let Some(a) = &self.authjs {
                    if let Some(t) = cookie::session_token(c, a.cookie_name(), a.max_token_length())? {
                        return Ok(Some((t, false)));
                    }
                }
                let Some(b) = &self.better_auth else { return Ok(None) };
                let found = match cookie::session_token(c, b.token_cookie_name(), b.max_token_length())? {
                    Some(t) => Some(t),
                    // A cache without its token: from_cookie_header says why it is refused.
                    None => cookie::session_token(c, b.data_cookie_name(), b.max_token_length())?,
                };
                return Ok(found.map(|t| (t, true)));
            }
        };
        Ok(found.map(|t| (t, false)))
    }

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
        HandshakeAuthenticator::new(v, a, None, None, None).unwrap()
    }

    fn hs(auth: Field<'static>, authorization: Option<&'static str>, cookie: Option<&'static str>) -> Handshake<'static> {
        Handshake { auth, authorization, cookie, query: Field::Absent }
    }

    #[test]
    fn sources_in_order_and_first_decides() {
        let a = auth(true, true);
        let t: &'static str = Box::leak(hs_token(json!({"sub": "u1", "exp": 5000})).into_boxed_str());
        let bearer: &'static str = Box::leak(format!("Bearer {t}").into_boxed_str());
        let r = a.authenticate(&hs(Field::Str(bearer), None, None), Clocks::all(1000.0)).unwrap();
        assert_eq!((r.kind, r.source, r.claims.to_map()["sub"].as_str()), (Kind::Jwt, Source::Auth, Some("u1")));
        let r = a.authenticate(&hs(Field::Absent, Some(bearer), None), Clocks::all(1000.0)).unwrap();
        assert_eq!(r.source, Source::Header);
        // A bad token in auth is refused even though the header holds a good one.
        let e = a.authenticate(&hs(Field::Str("x.y.z"), Some(bearer), None), Clocks::all(1000.0)).unwrap_err().error;
        assert_eq!(e.code, ErrorCode::TokenMalformed);
        // Another scheme is ignored.
        let e = a.authenticate(&hs(Field::Absent, Some("Basic abc"), None), Clocks::all(1000.0)).unwrap_err().error;
        assert_eq!(e.code, ErrorCode::TokenMissing);
        assert!(e.message.contains("handshake.auth.token") && e.message.contains("authjs.session-token"));
        let e = a.authenticate(&hs(Field::NotString("number"), None, None), Clocks::all(1000.0)).unwrap_err().error;
        assert_eq!(e.code, ErrorCode::TokenMalformed);
    }

    #[test]
    fn cookie_session_and_wrong_kind() {
        let a = auth(true, true);
        let session = a.authjs.as_ref().unwrap().encode(&json!({"sub": "s1"}), None, 1000.0).unwrap();
        let cookie: &'static str = Box::leak(format!("x=1; authjs.session-token={session}").into_boxed_str());
        let r = a.authenticate(&hs(Field::Absent, None, Some(cookie)), Clocks::all(1000.0)).unwrap();
        assert_eq!((r.kind, r.source), (Kind::AuthJs, Source::Cookie));
        let only_jwt = auth(true, false);
        let s: &'static str = Box::leak(session.into_boxed_str());
        let e = only_jwt.authenticate(&hs(Field::Str(s), None, None), Clocks::all(1000.0)).unwrap_err().error;
        assert_eq!(e.code, ErrorCode::TokenWrongKind);
        assert!(e.message.contains("AuthJsSession"), "{}", e.message);
        let only_authjs = auth(false, true);
        let t: &'static str = Box::leak(hs_token(json!({"exp": 5000})).into_boxed_str());
        assert_eq!(only_authjs.authenticate(&hs(Field::Str(t), None, None), Clocks::all(1000.0)).unwrap_err().error.code, ErrorCode::TokenWrongKind);
    }

    #[test]
    fn missing_token_names_cookies_and_the_secure_variant() {
        let a = auth(true, true);
        let e = a.authenticate(&hs(Field::Absent, None, Some("theme=dark; __Secure-authjs.session-token.0=SECRETVALUE; __Secure-authjs.session-token.1=MORE")), Clocks::all(1000.0)).unwrap_err().error;
        assert_eq!(e.code, ErrorCode::TokenMissing);
        assert!(e.message.contains("cookies present (names only): theme, __Secure-authjs.session-token.0, __Secure-authjs.session-token.1"), "{}", e.message);
        assert!(e.message.contains("secureCookie: true"), "{}", e.message);
        assert!(!e.message.contains("SECRETVALUE") && !e.message.contains("dark") && !e.message.contains("MORE"));
        // No hint when nothing resembles the session cookie; no cookie list without cookies.
        let e = a.authenticate(&hs(Field::Absent, None, Some("theme=dark")), Clocks::all(1000.0)).unwrap_err().error;
        assert!(e.message.contains("names only): theme") && !e.message.contains("secureCookie"), "{}", e.message);
        let e = a.authenticate(&hs(Field::Absent, None, None), Clocks::all(1000.0)).unwrap_err().error;
        assert!(!e.message.contains("cookies present"));
        // The other way round: secureCookie configured, the plain cookie sent.
        let s = AuthJsSession::new(AuthJsOptions { secrets: vec!["session-secret".into()], secure_cookie: true, ..Default::default() }).unwrap();
        let b = HandshakeAuthenticator::new(None, Some(s), None, None, None).unwrap();
        let e = b.authenticate(&hs(Field::Absent, None, Some("authjs.session-token=x")), Clocks::all(1000.0)).unwrap_err().error;
        assert!(e.message.contains("secureCookie: false"), "{}", e.message);
    }

    fn better_auth_vectors() -> Value {
        serde_json::from_str(include_str!("../__test__/fixtures/better-auth/vectors.json")).unwrap()
    }

    fn ba_case<'v>(v: &'v Value, label: &str) -> &'v Value {
        v["cases"].as_array().unwrap().iter().find(|c| c["label"] == label).unwrap()
    }

    fn ba(v: &Value, jwt: bool, authjs: bool, list: Option<std::sync::Arc<crate::revocation::RevocationList>>) -> HandshakeAuthenticator {
        let mut b = BetterAuthSession::new(crate::betterauth::BetterAuthOptions { secret: Some(v["secret"].as_str().unwrap().into()), ..Default::default() }).unwrap();
        b.set_revocation(list);
        let (j, a) = if jwt || authjs {
            let base = auth(jwt, authjs);
            (base.jwt, base.authjs)
        } else {
            (None, None)
        };
        HandshakeAuthenticator::new(j, a, Some(b), None, None).unwrap()
    }

    fn leak(s: String) -> &'static str {
        Box::leak(s.into_boxed_str())
    }

    #[test]
    fn better_auth_bearer_plugin_session_token() {
        // The signed session token (better-auth's bearer plugin sends the session_token cookie's
        // value): checked, then a lookup is needed; beside jwt and authjs too (one dot is no JWS).
        let v = better_auth_vectors();
        let c = ba_case(&v, "compact");
        let now = Clocks::all(c["now"].as_f64().unwrap() / 1000.0 + 1.0);
        let signed = crate::extract::cookie::session_token(c["cookieHeader"].as_str().unwrap(), "better-auth.session_token", 1 << 20).unwrap().unwrap().into_owned();
        for (jwt, authjs) in [(false, false), (true, true)] {
            let a = ba(&v, jwt, authjs, None);
            // As the cookie holds it (URL-encoded: set-auth-token) and decoded.
            let encoded = signed.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
            for value in [signed.clone(), encoded] {
                let bearer = leak(format!("Bearer {value}"));
                let f = a.authenticate(&hs(Field::Absent, Some(bearer), None), now).unwrap_err();
                assert_eq!((f.error.code, f.source), (ErrorCode::SessionLookupRequired, Some(Source::Header)));
                assert!(!f.error.message.contains(&signed[..20]), "the token is not in the message");
                let f = a.authenticate(&hs(Field::Str(leak(value.clone())), None, None), now).unwrap_err();
                assert_eq!((f.error.code, f.source), (ErrorCode::SessionLookupRequired, Some(Source::Auth)));
            }
            // Another signature, another token under the signature: refused as forged.
            let dot = signed.find('.').unwrap();
            let forged = leak(format!("Bearer {}.{}", &signed[..dot], "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="));
            assert_eq!(a.authenticate(&hs(Field::Absent, Some(forged), None), now).unwrap_err().error.code, ErrorCode::JwsSignatureInvalid);
            let other = leak(format!("Bearer x{}", &signed[1..]));
            assert_eq!(a.authenticate(&hs(Field::Absent, Some(other), None), now).unwrap_err().error.code, ErrorCode::JwsSignatureInvalid);
        }
        // Without betterAuth a one-dot token is no token of any configured kind.
        let a = auth(true, false);
        let bearer = leak(format!("Bearer {signed}"));
        assert_ne!(a.authenticate(&hs(Field::Absent, Some(bearer), None), now).unwrap_err().error.code, ErrorCode::SessionLookupRequired);
    }

    #[test]
    fn better_auth_cookie_header_values_and_routing() {
        let v = better_auth_vectors();
        for label in ["compact", "jwt", "jwe"] {
            let c = ba_case(&v, label);
            let now = Clocks::all(c["now"].as_f64().unwrap() / 1000.0 + 1.0);
            let header = leak(format!("theme=dark; {}", c["cookieHeader"].as_str().unwrap()));
            // Beside jwt and authjs: the Auth.js cookie is absent, Better Auth's decide.
            let a = ba(&v, true, true, None);
            let r = a.authenticate(&hs(Field::Absent, None, Some(header)), now).unwrap();
            assert_eq!((r.kind, r.source), (Kind::BetterAuth, Source::Cookie), "{label}");
            let m = r.claims.to_map();
            assert_eq!((m["sub"].clone(), m["sid"].clone()), (c["userId"].clone(), c["sessionId"].clone()), "{label}");
            // The cache value itself: compact (one segment) and jwe (its 43-character kid,
            // authjs configured) go to Better Auth; a 3-part jwt cache only without jwt options.
            let value = leak(crate::extract::cookie::session_token(header, "better-auth.session_data", 1 << 20).unwrap().unwrap().into_owned());
            let jwt_and_authjs = a.authenticate(&hs(Field::Str(value), None, None), now);
            match label {
                "jwt" => assert_eq!(jwt_and_authjs.unwrap_err().error.code, ErrorCode::JwsSignatureInvalid),
                _ => assert_eq!(jwt_and_authjs.unwrap().kind, Kind::BetterAuth, "{label}"),
            }
            let only = ba(&v, false, false, None);
            assert_eq!(only.dispatch(value, now).unwrap().1, Kind::BetterAuth, "{label}");
            // The token without its cache: a lookup is needed (the sync path says so).
            let token_only = leak(header.split("; ").filter(|p| p.contains("session_token=")).collect::<Vec<_>>().join("; "));
            let f = only.authenticate(&hs(Field::Absent, None, Some(token_only)), now).unwrap_err();
            assert_eq!((f.error.code, f.source), (ErrorCode::SessionLookupRequired, Some(Source::Cookie)));
            assert!(f.fingerprint.is_some());
        }
        // An Auth.js session still goes to Auth.js when both are configured.
        let a = ba(&v, false, true, None);
        let session = leak(a.authjs.as_ref().unwrap().encode(&json!({"sub": "s1"}), None, 1000.0).unwrap());
        assert_eq!(a.dispatch(session, Clocks::all(1000.0)).unwrap().1, Kind::AuthJs);
        assert_eq!(a.tolerance(Kind::BetterAuth), 0.0);
    }

    #[test]
    fn better_auth_revocation_by_session_and_user() {
        let v = better_auth_vectors();
        let c = ba_case(&v, "compact");
        let t = c["now"].as_f64().unwrap() / 1000.0 + 1.0;
        let header = leak(c["cookieHeader"].as_str().unwrap().to_string());
        let list = std::sync::Arc::new(crate::revocation::RevocationList::new(None).unwrap());
        let a = ba(&v, false, false, Some(list.clone()));
        assert!(a.authenticate(&hs(Field::Absent, None, Some(header)), Clocks::all(t)).is_ok());
        list.revoke_token(c["sessionId"].as_str().unwrap(), t + 600.0, t).unwrap();
        assert_eq!(a.authenticate(&hs(Field::Absent, None, Some(header)), Clocks::all(t)).unwrap_err().error.code, ErrorCode::TokenRevoked);
        let list = std::sync::Arc::new(crate::revocation::RevocationList::new(None).unwrap());
        let a = ba(&v, false, false, Some(list.clone()));
        list.revoke_subject(c["userId"].as_str().unwrap(), t, t).unwrap();
        assert_eq!(a.authenticate(&hs(Field::Absent, None, Some(header)), Clocks::all(t)).unwrap_err().error.code, ErrorCode::TokenRevoked);
    }

    #[test]
    fn better_auth_missing_cookie_hint() {
        let v = better_auth_vectors();
        let a = ba(&v, false, false, None);
        let e = a.authenticate(&hs(Field::Absent, None, Some("__Secure-better-auth.session_token=abc")), Clocks::all(1000.0)).unwrap_err().error;
        assert_eq!(e.code, ErrorCode::TokenMissing);
        assert!(e.message.contains("the better-auth.session_token cookie"), "{}", e.message);
        assert!(e.message.contains("set betterAuth.secureCookie: true") && !e.message.contains("cookieName"), "{}", e.message);
        assert!(!e.message.contains("abc"));
    }

    #[test]
    fn options_checked() {
        assert_eq!(HandshakeAuthenticator::new(None, None, None, None, None).err().unwrap().code, ErrorCode::InvalidOptions);
        let v = auth(true, false).jwt;
        assert_eq!(HandshakeAuthenticator::new(v, None, None, Some(vec!["body".into()]), None).err().unwrap().code, ErrorCode::InvalidOptions);
    }
}
