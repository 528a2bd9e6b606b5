//! The HandshakeAuthenticator class: reads a Socket.IO handshake object and calls the core.
//! Its core (`instance`), the plain functions its JS wrapper calls with a handle (`hot`, exported
//! by `raw` and as `_handshake*`), and the helpers that read their arguments (`args`).

use napi::bindgen_prelude::*;
use napi::{Env, Unknown, ValueType};
use napi_derive::napi;

mod args;
mod instance;
mod hot;

pub use hot::{handshake_auth_token, handshake_authenticate, handshake_verify_bearer, handshake_verify_token};

use self::args::{secure_value, verdict_arg};
use self::instance::HandshakeCore;
use super::args::{clock, field, options_arg, sub_object, type_name};
use super::authjs::AuthJsOptions;
use super::betterauth::BetterAuthOptions;
use super::errors::{guard, to_js, to_js_with};
use super::json;
use super::options::VerifierOptions;
use super::origin::{origin_rule, OriginRule};
use crate::error::Error as CoreError;
use crate::handshake::{self, Kind};

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

/// The instance `new HandshakeAuthenticator(options)` makes: each kind's decoder with its
/// clock, the core authenticator over them, the Origin rule.
fn core_of(env: &Env, options: &Unknown) -> napi::Result<HandshakeCore> {
    let o: HandshakeOptions = options_arg(env, options, "HandshakeAuthenticator options")?;
    let shared = o.revocation.map(|r| r.0);
    let (jwt, now_jwt) = decoder(env, o.jwt.map(|j| || j.build(shared.as_ref())))?;
    let (authjs, now_authjs) = decoder(env, o.authjs.map(|a| || a.build(shared.as_ref())))?;
    // The shared clock stands in for a kind's own; it is read through a reference each.
    let shared_now = |own: Option<FunctionRef<(), f64>>| -> napi::Result<Option<FunctionRef<(), f64>>> {
        match (own, &o.now) {
            (Some(own), _) => Ok(Some(own)),
            (None, Some(f)) => Ok(Some(f.borrow_back(env)?.create_ref()?)),
            (None, None) => Ok(None),
        }
    };
    let (better_auth, now_better_auth) = decoder(env, o.better_auth.map(|b| || b.build_with(shared.as_ref())))?;
    let (now_jwt, now_authjs, now_better_auth) = (shared_now(now_jwt)?, shared_now(now_authjs)?, shared_now(now_better_auth)?);
    let inner = guard(env, || handshake::HandshakeAuthenticator::new(jwt, authjs, better_auth, o.sources, o.auth_field))?;
    let origins = origin_rule(env, options)?;
    Ok(HandshakeCore { inner, json: json::JsonParse::new(env)?, now_jwt, now_authjs, now_better_auth, origins })
}

/// A kind's decoder and its own `now` option, when the kind's options are given.
fn decoder<T>(env: &Env, build: Option<impl FnOnce() -> crate::Result<(T, Option<FunctionRef<(), f64>>)>>) -> napi::Result<(Option<T>, Option<FunctionRef<(), f64>>)> {
    match build {
        Some(b) => guard(env, b).map(|(d, now)| (Some(d), now)),
        None => Ok((None, None)),
    }
}

#[napi]
impl HandshakeAuthenticator {
    #[napi(constructor, ts_args_type = "options: HandshakeOptions")]
    pub fn new(env: Env, options: Unknown) -> napi::Result<Self> {
        let core = core_of(&env, &options)?;
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
        let now = self.core.clocks(&env)?;
        let t = crate::extract::strip_bearer(&token);
        match super::errors::catch(&env, || self.core.inner.dispatch(t, now))? {
            Ok((claims, kind)) => Ok(TokenResult { claims: self.core.json.parse(env_ref, claims.json)?, kind: kind.name().to_string() }),
            Err(e) => Err(to_js_with(&env, e, &[("fingerprint", Some(&crate::token::fingerprint(t)))])),
        }
    }
}

/// What the JS wrapper reads of an instance: its handles, its settings, its clocks.
#[napi]
impl HandshakeAuthenticator {
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

    /// Where a token is looked for, in order: the `sources` option, by default
    /// ['auth', 'header', 'cookie']. A transport reads the query of a request only when this
    /// holds 'query' (authbridge/ws, authbridge/graphql-ws).
    #[napi(getter, ts_return_type = "Array<'auth' | 'header' | 'cookie' | 'query'>")]
    pub fn sources(&self) -> Vec<&'static str> {
        self.core.inner.sources().iter().map(|s| s.name()).collect()
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
