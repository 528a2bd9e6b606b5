//! The HandshakeAuthenticator class: reads a Socket.IO handshake object and calls the core.

use napi::bindgen_prelude::*;
use napi::{Env, Unknown, ValueType};
use napi_derive::napi;

use super::authjs::AuthJsOptions;
use super::betterauth::BetterAuthOptions;
use super::args::{clock, field, options_arg, sub_object, type_name};
use super::errors::{guard, to_js, to_js_with};
use super::json;
use super::options::VerifierOptions;
use super::origin::{origin_rule, OriginRule};
use crate::error::Error as CoreError;
use crate::handshake::{self, Clocks, Field, Kind};

/// Options of `new HandshakeAuthenticator(options)`.
#[napi(object, object_to_js = false)]
pub struct HandshakeOptions {
    /// Access tokens (JWS), as for JwtVerifier.
    pub jwt: Option<VerifierOptions>,
    /// Auth.js session cookies / tokens (JWE), as for AuthJsSession.
    pub authjs: Option<AuthJsOptions>,
    /// Better Auth sessions (kind 'better-auth'), as for BetterAuthSession: the cookie cache
    /// with its session token from the Cookie header, or a cookie-cache value as
    /// `auth.token` / Bearer. `lookupSession` serves sessions only the database knows (the
    /// async paths).
    pub better_auth: Option<BetterAuthOptions>,
    /// Where to look, in order. Default ['auth', 'header', 'cookie']. 'query' is off by
    /// default: tokens in URLs end up in access logs.
    #[napi(ts_type = "Array<'auth' | 'header' | 'cookie' | 'query'>")]
    pub sources: Option<Vec<String>>,
    /// Default 'token': handshake.auth.token (and the query parameter of that name).
    pub auth_field: Option<String>,
    /// Refuse revoked tokens of both kinds (ERR_TOKEN_REVOKED); `jwt.revocation` or
    /// `authjs.revocation`, when given, take precedence for their kind.
    #[napi(ts_type = "RevocationList")]
    pub revocation: Option<super::revocation::RevocationRef>,
    /// The clock of both kinds (seconds since the epoch, as their own `now`, which takes
    /// precedence), read per call; `now()` gives it to the socket expiry timers. For tests:
    /// `now: () => Date.now() / 1000` follows fake timers. Default: the system clock.
    pub now: Option<FunctionRef<(), f64>>,
}

#[napi(object, object_from_js = false)]
pub struct AuthenticateResult<'e> {
    /// JwtClaims for a JWT, AuthJsClaims for a session, BetterAuthClaims (`kind`).
    #[napi(ts_type = "JwtClaims | AuthJsClaims | BetterAuthClaims")]
    pub claims: Unknown<'e>,
    #[napi(ts_type = "'jwt' | 'authjs' | 'better-auth'")]
    pub kind: String,
    #[napi(ts_type = "'auth' | 'header' | 'cookie' | 'query'")]
    pub source: String,
}

#[napi(object, object_from_js = false)]
pub struct TokenResult<'e> {
    /// JwtClaims for a JWT, AuthJsClaims for a session, BetterAuthClaims (`kind`).
    #[napi(ts_type = "JwtClaims | AuthJsClaims | BetterAuthClaims")]
    pub claims: Unknown<'e>,
    #[napi(ts_type = "'jwt' | 'authjs' | 'better-auth'")]
    pub kind: String,
}

/// Authenticates Socket.IO handshakes (and HTTP requests) from whichever token the client has.
#[napi]
pub struct HandshakeAuthenticator {
    core: std::sync::Arc<HandshakeCore>,
    handle: super::handle::Handle,
}

/// What a HandshakeAuthenticator works with, shared with the handle its JS wrapper keeps
/// (`_handle`): the plain functions taking it (`_handshakeAuthenticate`,
/// `_handshakeVerifyToken`) are entered faster than class methods.
pub struct HandshakeCore {
    inner: handshake::HandshakeAuthenticator,
    json: json::JsonParse,
    now_jwt: Option<FunctionRef<(), f64>>,
    now_authjs: Option<FunctionRef<(), f64>>,
    now_better_auth: Option<FunctionRef<(), f64>>,
    origins: OriginRule,
}

impl super::handle::Core for HandshakeCore {
    const CLASS: &'static str = "HandshakeAuthenticator";
}

fn to_field<'a>(s: &'a Option<String>, bad: Option<&'static str>) -> Field<'a> {
    match (s, bad) {
        (Some(s), _) => Field::Str(s.as_str()),
        (None, Some(t)) => Field::NotString(t),
        (None, None) => Field::Absent,
    }
}

/// `originAllowed`: undefined/null (the rule decides) or a boolean.
fn verdict_arg(env: &Env, origin_allowed: &Option<Unknown>) -> napi::Result<Option<bool>> {
    match origin_allowed {
        None => Ok(None),
        Some(v) => match v.get_type()? {
            ValueType::Undefined | ValueType::Null => Ok(None),
            // SAFETY: the type was just checked.
            ValueType::Boolean => Ok(Some(unsafe { v.cast::<bool>() }?)),
            t => Err(to_js(env, CoreError::options(format!("originAllowed must be a boolean, got {}", type_name(t))))),
        },
    }
}

/// A handshake field's value, as `args::field` reads it from its object.
fn field_value(v: &Unknown<'_>) -> napi::Result<(Option<String>, Option<&'static str>)> {
    match v.get_type()? {
        ValueType::Undefined | ValueType::Null => Ok((None, None)),
        // SAFETY: the type was just checked.
        ValueType::String => Ok((Some(unsafe { v.cast::<String>() }?), None)),
        ValueType::Object if v.is_array()? => Ok((None, Some("array"))),
        t => Ok((None, Some(type_name(t)))),
    }
}

/// Whether the request came over TLS (for the Origin rule): only `true` says so.
fn secure_value(v: &Unknown<'_>) -> napi::Result<bool> {
    match v.get_type()? {
        // SAFETY: the type was just checked.
        ValueType::Boolean => unsafe { v.cast::<bool>() },
        _ => Ok(false),
    }
}

/// A header's value: a string, or nothing (any other type is ignored, as before).
fn string_value(v: &Unknown<'_>) -> napi::Result<Option<String>> {
    match v.get_type()? {
        // SAFETY: the type was just checked.
        ValueType::String => Ok(Some(unsafe { v.cast::<String>() }?)),
        _ => Ok(None),
    }
}

/// The clocks of the kinds (one read when no kind has a `now` option).
fn clocks(env: &Env, core: &HandshakeCore) -> napi::Result<Clocks> {
    if core.now_jwt.is_none() && core.now_authjs.is_none() && core.now_better_auth.is_none() {
        return Ok(Clocks::all(crate::util::now_seconds()));
    }
    let ba = if core.inner.better_auth.is_some() { clock(env, &core.now_better_auth)? } else { 0.0 };
    Ok(Clocks { jwt: clock(env, &core.now_jwt)?, authjs: clock(env, &core.now_authjs)?, better_auth: ba })
}

/// Claims as JSON text with the kind coded in a leading white-space character (none or a
/// space: a JWT; a tab: an Auth.js session; a line feed: a Better Auth session), as the JS
/// wrapper's `kindOf` reads it.
fn kind_text<'e>(env: &'e Env, kind: Kind, json: &[u8]) -> napi::Result<napi::JsString<'e>> {
    match kind {
        Kind::Jwt => json::kind_text(env, true, json),
        Kind::AuthJs => json::kind_text(env, false, json),
        Kind::BetterAuth => json::text(env, b"\n", json),
    }
}

/// As HandshakeAuthenticator#authenticate (`handle` is its `_handle()`), with the
/// handshake already taken apart by the JS wrapper (js/index.js): `auth[authField]`, `query[authField]`, the Authorization, Cookie
/// (joined when a list), Origin and Host headers, and whether the request came over TLS
/// (`secure`, for the Origin rule: js/index.js decides it). Returns the claims as JSON text
/// after two white-space characters that code the kind and the source.
/// Exported as `_handshakeAuthenticate` by `raw` (a plain N-API callback).
#[allow(clippy::too_many_arguments)]
pub fn handshake_authenticate<'e>(
    env: &'e Env,
    handle: f64,
    auth: Unknown,
    query: Unknown,
    authorization: Unknown,
    cookie: Unknown,
    origin: Unknown,
    host: Unknown,
    origin_allowed: Option<Unknown>,
    secure: Unknown,
) -> napi::Result<napi::JsString<'e>> {
    let verdict = verdict_arg(env, &origin_allowed)?;
    let secure = secure_value(&secure)?;
    let (auth_s, auth_bad) = field_value(&auth)?;
    let (query_s, query_bad) = field_value(&query)?;
    let (core, direct) = super::handle::core_direct::<HandshakeCore>(env, handle)?;
    let (authorization, origin, host) = (string_value(&authorization)?, string_value(&origin)?, string_value(&host)?);
    let run = |cookie: Option<&str>| core.run(env, &auth_s, auth_bad, &query_s, query_bad, authorization, cookie, origin, host, secure, verdict, direct);
    // The Cookie header (often the longest string here) goes through the one-call copy.
    let (claims, kind, source) = if cookie.get_type()? == ValueType::String {
        super::args::with_token(env, &cookie, |c| run(Some(c)))??
    } else {
        run(None)?
    };
    let k = match kind {
        Kind::Jwt => b' ',
        Kind::AuthJs => b'\t',
        Kind::BetterAuth => b'\n',
    };
    let src = match source {
        handshake::Source::Auth => b' ',
        handshake::Source::Header => b'\t',
        handshake::Source::Cookie => b'\n',
        handshake::Source::Query => b'\r',
    };
    json::text(env, &[k, src], &claims.json)
}

/// As HandshakeAuthenticator#verifyToken (`handle` is its `_handle()`), the claims as JSON
/// text with the kind coded as `json::kind_text` codes it, for the JS wrapper (js/index.js).
/// Exported as `_handshakeVerifyToken` by `raw` (a plain N-API callback).
pub fn handshake_verify_token<'e>(env: &'e Env, handle: f64, token: Unknown) -> napi::Result<napi::JsString<'e>> {
    let (core, direct) = super::handle::core_direct::<HandshakeCore>(env, handle)?;
    let env_ref = env;
    let env = *env;
    let token = super::args::token_arg(&env, &token)?;
    let now = clocks(&env, &core)?;
    let t = crate::extract::strip_bearer(&token);
    match super::errors::catch(&env, || core.inner.dispatch(t, now))? {
        Ok((claims, kind)) => {
            if direct {
                crate::metrics::count_direct(Some(kind), None, None);
            }
            kind_text(env_ref, kind, &claims.json)
        }
        Err(e) => {
            if direct {
                crate::metrics::count_direct(None, None, Some(e.code));
            }
            Err(to_js_with(&env, e, &[("fingerprint", Some(&crate::token::fingerprint(t)))]))
        }
    }
}

/// The common handshake in one short call: `auth[authField]` is a string and 'auth' is
/// the first source, so the token is that one (as `_handshakeAuthenticate` would find it,
/// with the same errors). `null` when it is empty once a 'Bearer ' prefix is taken off:
/// the wrapper then makes the full call.
/// Exported as `_handshakeAuthToken` by `raw` (a plain N-API callback).
pub fn handshake_auth_token<'e>(env: &'e Env, handle: f64, token: Unknown) -> napi::Result<Option<napi::JsString<'e>>> {
    let (core, direct) = super::handle::core_direct::<HandshakeCore>(env, handle)?;
    let env_ref = env;
    let env = *env;
    if core.inner.first_source() != handshake::Source::Auth || token.get_type()? != ValueType::String {
        return Ok(None);
    }
    super::args::with_token(&env, &token, |token| {
        let t = crate::extract::strip_bearer(token);
        if t.is_empty() {
            return Ok(None);
        }
        let now = clocks(&env, &core)?;
        match super::errors::catch(&env, || core.inner.dispatch(t, now))? {
            Ok((claims, kind)) => {
                if direct {
                    crate::metrics::count_direct(Some(kind), Some(handshake::Source::Auth), None);
                }
                kind_text(env_ref, kind, &claims.json).map(Some)
            }
            Err(e) => {
                if direct {
                    crate::metrics::count_direct(None, Some(handshake::Source::Auth), Some(e.code));
                }
                Err(to_js_with(&env, e, &[("source", Some(handshake::Source::Auth.name())), ("fingerprint", Some(&crate::token::fingerprint(t)))]))
            }
        }
    })?
}

/// For authbridge/passport with `ExtractJwt.fromAuthHeaderAsBearerToken()`: the token of an
/// Authorization header read as that extractor reads it (`extract::auth_header_parts`,
/// scheme `bearer` in any case), checked as `_handshakeVerifyToken` checks it. `null` when
/// the extractor would find no token.
/// Exported as `_handshakeVerifyBearer` by `raw` (a plain N-API callback).
pub fn handshake_verify_bearer<'e>(env: &'e Env, handle: f64, authorization: Unknown) -> napi::Result<Option<napi::JsString<'e>>> {
    let core = super::handle::core::<HandshakeCore>(env, handle)?;
    let env_ref = env;
    let env = *env;
    if authorization.get_type()? != ValueType::String {
        super::args::string_arg(&env, &authorization, "the Authorization header")?;
    }
    super::args::with_token(&env, &authorization, |header| {
        let t = match crate::extract::auth_header_parts(header) {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token,
            _ => return Ok(None),
        };
        let now = clocks(&env, &core)?;
        match super::errors::catch(&env, || core.inner.dispatch(t, now))? {
            Ok((claims, kind)) => kind_text(env_ref, kind, &claims.json).map(Some),
            Err(e) => Err(to_js_with(&env, e, &[("fingerprint", Some(&crate::token::fingerprint(t)))])),
        }
    })?
}

/// For authbridge/passport, when its extractor took the token from the Cookie header: the
/// Origin rule the cookie source applies (`allowedOrigins`, or `originAllowed`, the caller's
/// verdict), on its own. Throws ERR_ORIGIN_NOT_ALLOWED when `origin` (a string: a browser
/// page sent the request) is not allowed; a non-string `origin` is no page, and passes.
/// `secure`: the request came over TLS (js/index.js decides it, see `trustProxy`).
#[napi(js_name = "_handshakeCheckOrigin", ts_args_type = "handle: number, origin: unknown, host: unknown, originAllowed?: boolean, secure?: boolean")]
pub fn handshake_check_origin(env: &Env, handle: f64, origin: Unknown, host: Unknown, origin_allowed: Option<Unknown>, secure: Option<Unknown>) -> napi::Result<()> {
    let core = super::handle::core::<HandshakeCore>(env, handle)?;
    let verdict = verdict_arg(env, &origin_allowed)?;
    let secure = match &secure {
        Some(s) => secure_value(s)?,
        None => false,
    };
    let Some(o) = string_value(&origin)? else { return Ok(()) };
    let host = string_value(&host)?;
    if super::errors::catch(env, || core.origin_allowed(env, &o, host.as_deref(), secure, verdict))?? {
        Ok(())
    } else {
        Err(to_js_with(env, core.refusal(&o, host.as_deref(), secure, verdict), &[("source", Some(handshake::Source::Cookie.name()))]))
    }
}

/// For the async paths of the JS layer (js/better-auth.js), after ERR_SESSION_LOOKUP_REQUIRED:
/// the verified session token of a Cookie header (Better Auth's `session_token` cookie,
/// checked with the current secret), what `lookupSession` is called with; null when that
/// cookie is absent. Throws ERR_INVALID_OPTIONS when no `betterAuth` is configured.
#[napi(js_name = "_handshakeBetterAuthToken", ts_args_type = "handle: number, cookie: string")]
pub fn handshake_better_auth_token(env: Env, handle: f64, cookie: Unknown) -> napi::Result<Option<String>> {
    let core = super::handle::core::<HandshakeCore>(&env, handle)?;
    let Some(b) = &core.inner.better_auth else {
        return Err(to_js(&env, CoreError::options("no betterAuth options are configured")));
    };
    let cookie = super::args::string_arg(&env, &cookie, "the Cookie header")?;
    guard(&env, || b.session_token_from_header(&cookie))
}

/// For the async paths of the JS layer, after ERR_SESSION_LOOKUP_REQUIRED for a token sent
/// as such (Better Auth's bearer plugin: `Authorization: Bearer <token>.<signature>`, or
/// `auth.token`): the session token, its signature checked with the current secret.
#[napi(js_name = "_handshakeBetterAuthSignedToken", ts_args_type = "handle: number, value: string")]
pub fn handshake_better_auth_signed_token(env: Env, handle: f64, value: Unknown) -> napi::Result<String> {
    let core = super::handle::core::<HandshakeCore>(&env, handle)?;
    let Some(b) = &core.inner.better_auth else {
        return Err(to_js(&env, CoreError::options("no betterAuth options are configured")));
    };
    let value = super::args::token_arg(&env, &value)?;
    guard(&env, || b.verify_session_token(crate::extract::strip_bearer(&value)))
}

/// For the async paths of the JS layer: a session `lookupSession` found (`{ session, user }`
/// as JSON text) for the session `token`, checked (the members better-auth requires, the
/// session's expiresAt, the token, the revocation list) and shaped as a cookie cache's
/// claims; the claims as JSON text after a line feed (the kind code of 'better-auth').
/// `until` (seconds since the epoch, or null) caps the claims' exp: when the lookup is asked again.
#[napi(js_name = "_handshakeBetterAuthLookup", ts_args_type = "handle: number, json: string, token: string, until: number | null")]
pub fn handshake_better_auth_lookup<'e>(env: &'e Env, handle: f64, json_text: String, token: String, until: Option<f64>) -> napi::Result<napi::JsString<'e>> {
    let core = super::handle::core::<HandshakeCore>(env, handle)?;
    let Some(b) = &core.inner.better_auth else {
        return Err(to_js(env, CoreError::options("no betterAuth options are configured")));
    };
    let now = clock(env, &core.now_better_auth)?;
    let claims = guard(env, || b.from_lookup(json_text.as_bytes(), Some(&token), until.filter(|u| u.is_finite()), now).and_then(|c| b.claims(c, now)))?;
    json::text(env, b"\n", &claims.json)
}

impl HandshakeCore {
    /// Whether a page at `origin` may use the cookie: the caller's verdict when given, else
    /// the `allowedOrigins` rule (an exception thrown by a matcher function goes to the caller).
    fn origin_allowed(&self, env: &Env, origin: &str, host: Option<&str>, secure: bool, verdict: Option<bool>) -> napi::Result<bool> {
        match verdict {
            Some(v) => Ok(v),
            None => self.origins.allows(env, origin, host, secure),
        }
    }

    /// The ERR_ORIGIN_NOT_ALLOWED of a refused origin (the default rule says when only the
    /// scheme differed).
    fn refusal(&self, origin: &str, host: Option<&str>, secure: bool, verdict: Option<bool>) -> CoreError {
        match (&self.origins, verdict) {
            (OriginRule::SameOrigin, None) => crate::origin::not_same_origin(origin, host, secure),
            _ => crate::origin::not_allowed(origin),
        }
    }

    /// The shared part of authenticate and _authenticateParts.
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        env: &Env,
        auth_s: &Option<String>,
        auth_bad: Option<&'static str>,
        query_s: &Option<String>,
        query_bad: Option<&'static str>,
        authorization: Option<String>,
        cookie: Option<&str>,
        origin: Option<String>,
        host: Option<String>,
        secure: bool,
        verdict: Option<bool>,
        direct: bool,
    ) -> napi::Result<(crate::token::Claims, Kind, handshake::Source)> {
        let env = *env;
        let input = handshake::Handshake {
            auth: to_field(auth_s, auth_bad),
            authorization: authorization.as_deref(),
            cookie,
            query: to_field(query_s, query_bad),
        };
        let now = clocks(&env, self)?;
        // The Origin rule, run only for a token found in the cookie, before it is decoded.
        // A handshake without Origin does not come from a browser page.
        let mut js_error: Option<napi::Error> = None;
        let mut cookie_check = || -> crate::Result<()> {
            let Some(o) = origin.as_deref() else { return Ok(()) };
            let allowed = match self.origin_allowed(&env, o, host.as_deref(), secure, verdict) {
                Ok(v) => v,
                Err(e) => {
                    js_error = Some(e);
                    false
                }
            };
            if allowed {
                Ok(())
            } else {
                Err(self.refusal(o, host.as_deref(), secure, verdict))
            }
        };
        let result = super::errors::catch(&env, || self.inner.authenticate_checked(&input, now, &mut cookie_check));
        if let Some(e) = js_error {
            return Err(e);
        }
        let result = result?;
        if direct {
            match &result {
                Ok(a) => crate::metrics::count_direct(Some(a.kind), Some(a.source), None),
                Err(f) => crate::metrics::count_direct(None, f.source, Some(f.error.code)),
            }
        }
        match result {
            Ok(a) => Ok((a.claims, a.kind, a.source)),
            Err(f) => Err(to_js_with(
                &env,
                f.error,
                &[("source", f.source.map(|s| s.name())), ("fingerprint", f.fingerprint.as_deref())],
            )),
        }
    }
}

#[napi]
impl HandshakeAuthenticator {
    #[napi(constructor, ts_args_type = "options: HandshakeOptions")]
    pub fn new(env: Env, options: Unknown) -> napi::Result<Self> {
        let o: HandshakeOptions = options_arg(&env, &options, "HandshakeAuthenticator options")?;
        let shared = o.revocation.map(|r| r.0);
        let (jwt, now_jwt) = match o.jwt {
            Some(j) => {
                let (verifier, now) = guard(&env, || j.build(shared.as_ref()))?;
                (Some(verifier), now)
            }
            None => (None, None),
        };
        let (authjs, now_authjs) = match o.authjs {
            Some(a) => {
                let (session, now) = guard(&env, || a.build(shared.as_ref()))?;
                (Some(session), now)
            }
            None => (None, None),
        };
        // The shared clock stands in for a kind's own; it is read through a reference each.
        let shared_now = |own: Option<FunctionRef<(), f64>>| -> napi::Result<Option<FunctionRef<(), f64>>> {
            match (own, &o.now) {
                (Some(own), _) => Ok(Some(own)),
                (None, Some(f)) => Ok(Some(f.borrow_back(&env)?.create_ref()?)),
                (None, None) => Ok(None),
            }
        };
        let (better_auth, now_better_auth) = match o.better_auth {
            Some(b) => {
                let (session, now) = guard(&env, || b.build_with(shared.as_ref()))?;
                (Some(session), now)
            }
            None => (None, None),
        };
        let (now_jwt, now_authjs, now_better_auth) = (shared_now(now_jwt)?, shared_now(now_authjs)?, shared_now(now_better_auth)?);
        let inner = guard(&env, || handshake::HandshakeAuthenticator::new(jwt, authjs, better_auth, o.sources, o.auth_field))?;
        let origins = origin_rule(&env, &options)?;
        let core = HandshakeCore { inner, json: json::JsonParse::new(&env)?, now_jwt, now_authjs, now_better_auth, origins };
        Ok(HandshakeAuthenticator { core: std::sync::Arc::new(core), handle: Default::default() })
    }

    /// The handle `_handshakeAuthenticate` / `_handshakeVerifyToken` take (js/index.js keeps one).
    #[napi(js_name = "_handle")]
    pub fn handle(&self) -> f64 {
        self.handle.get(|| self.core.clone())
    }

    /// Authenticates `socket.handshake` (or any `{ auth, headers, query }`). On failure the
    /// error has `code`, `source` (where the token was found, or null) and `fingerprint`.
    /// A token from the session cookie needs an allowed `headers.origin` (`allowedOrigins`),
    /// unless `originAllowed` (a boolean) gives the caller's own verdict on it. By default
    /// the Origin must be the request's own: its Host header, and https exactly when
    /// `handshake.secure` is true (Socket.IO sets it for a TLS connection; `trustProxy`
    /// lets a proxy's X-Forwarded-Proto say so).
    #[napi(
        ts_generic_types = "T extends object = {}",
        ts_args_type = "handshake: { auth?: object, headers?: object, query?: object, secure?: boolean, address?: string }, originAllowed?: boolean",
        ts_return_type = "AuthenticateResult & { claims: T }"
    )]
    pub fn authenticate<'e>(&self, env: &'e Env, handshake: Unknown, origin_allowed: Option<Unknown>) -> napi::Result<AuthenticateResult<'e>> {
        let env_ref = env;
        let env = *env;
        let verdict = verdict_arg(&env, &origin_allowed)?;
        if handshake.get_type()? != ValueType::Object {
            return Err(to_js(&env, CoreError::options("handshake must be an object with auth, headers and query")));
        }
        // SAFETY: checked to be an object.
        let h: Object = unsafe { handshake.cast() }?;
        let auth = sub_object(&h, "auth")?;
        let headers = sub_object(&h, "headers")?;
        let query = sub_object(&h, "query")?;
        let secure = h.get::<Unknown>("secure")?.map(|v| secure_value(&v)).transpose()?.unwrap_or(false);
        let name = self.core.inner.auth_field();
        let (auth_s, auth_bad) = field(&auth, name)?;
        let (query_s, query_bad) = field(&query, name)?;
        let (authorization, _) = field(&headers, "authorization")?;
        let (origin, _) = field(&headers, "origin")?;
        let (host, _) = field(&headers, "host")?;
        let cookie: Option<String> = match &headers {
            Some(hd) => match hd.get::<Either<String, Vec<String>>>("cookie") {
                Ok(Some(Either::A(s))) => Some(s),
                Ok(Some(Either::B(list))) => Some(list.join("; ")),
                _ => None,
            },
            None => None,
        };
        self.core.run(&env, &auth_s, auth_bad, &query_s, query_bad, authorization, cookie.as_deref(), origin, host, secure, verdict, false)
            .and_then(|(claims, kind, source)| {
                Ok(AuthenticateResult { claims: self.core.json.parse(env_ref, claims.json)?, kind: kind.name().to_string(), source: source.name().to_string() })
            })
    }

    /// Checks one token of either kind (a 'Bearer ' prefix is tolerated): for
    /// `auth_refresh` and for callers that already hold the token.
    #[napi(ts_generic_types = "T extends object = {}", ts_args_type = "token: string", ts_return_type = "TokenResult & { claims: T }")]
    pub fn verify_token<'e>(&self, env: &'e Env, token: Unknown) -> napi::Result<TokenResult<'e>> {
        let env_ref = env;
        let env = *env;
        let token = super::args::token_arg(&env, &token)?;
        let now = clocks(&env, &self.core)?;
        let t = crate::extract::strip_bearer(&token);
        match super::errors::catch(&env, || self.core.inner.dispatch(t, now))? {
            Ok((claims, kind)) => Ok(TokenResult { claims: self.core.json.parse(env_ref, claims.json)?, kind: kind.name().to_string() }),
            Err(e) => Err(to_js_with(&env, e, &[("fingerprint", Some(&crate::token::fingerprint(t)))])),
        }
    }

    /// The handle of the public methods (js/index.js): `_handle()` plus the flag that counts
    /// their outcomes natively as direct calls (src/metrics.rs).
    #[napi(js_name = "_directHandle")]
    pub fn direct_handle(&self) -> f64 {
        self.handle() + super::handle::DIRECT
    }

    /// The handshake member (`authField`) read for the 'auth' and 'query' sources.
    #[napi(js_name = "_authField")]
    pub fn auth_field_name(&self) -> String {
        self.core.inner.auth_field().to_string()
    }

    /// How `allowedOrigins` was set: 'same-origin' (the default), 'any' ('*') or 'list'.
    #[napi(getter, ts_return_type = "'same-origin' | 'any' | 'list'")]
    pub fn origin_rule(&self) -> &'static str {
        match self.core.origins {
            OriginRule::SameOrigin => "same-origin",
            OriginRule::Any => "any",
            OriginRule::List(_) => "list",
        }
    }

    /// The clock (seconds since the epoch) the checks of a kind follow: its `now` option,
    /// else the shared `now`, else the system clock. The socket expiry timers read it to
    /// compute their delay: `exp * 1000 - auth.now(kind) * 1000`.
    #[napi(ts_args_type = "kind?: 'jwt' | 'authjs' | 'better-auth'")]
    pub fn now(&self, env: Env, kind: Option<Unknown>) -> napi::Result<f64> {
        let kind = match kind.as_ref().map(|k| k.get_type()).transpose()? {
            None | Some(ValueType::Undefined) => "jwt".to_string(),
            // SAFETY: the type was just checked.
            Some(ValueType::String) => unsafe { kind.as_ref().map(|k| k.cast::<String>()) }.transpose()?.unwrap_or_default(),
            Some(t) => return Err(to_js(&env, CoreError::options(format!("kind must be 'jwt', 'authjs' or 'better-auth', got {}", type_name(t))))),
        };
        match Kind::from_name(&kind) {
            Some(Kind::Jwt) => clock(&env, &self.core.now_jwt),
            Some(Kind::AuthJs) => clock(&env, &self.core.now_authjs),
            Some(Kind::BetterAuth) => clock(&env, &self.core.now_better_auth),
            None => Err(to_js(&env, CoreError::options("kind must be 'jwt', 'authjs' or 'better-auth'"))),
        }
    }

    /// The clock tolerance (seconds) of the decoder for a kind: when a connection must close.
    #[napi(ts_args_type = "kind: 'jwt' | 'authjs' | 'better-auth'")]
    pub fn clock_tolerance(&self, env: Env, kind: Unknown) -> napi::Result<f64> {
        let kind = match kind.get_type()? {
            // SAFETY: the type was just checked.
            ValueType::String => unsafe { kind.cast::<String>() }?,
            t => return Err(to_js(&env, CoreError::options(format!("kind must be 'jwt', 'authjs' or 'better-auth', got {}", type_name(t))))),
        };
        match Kind::from_name(&kind) {
            Some(k) => Ok(self.core.inner.tolerance(k)),
            None => Err(to_js(&env, CoreError::options("kind must be 'jwt', 'authjs' or 'better-auth'"))),
        }
    }
}
