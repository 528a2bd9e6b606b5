//! The AuthJsSession class: Auth.js / NextAuth session tokens (JWE).

use napi::bindgen_prelude::*;
use napi::{Env, Unknown};
use napi_derive::napi;

use super::args::{options_arg, string_arg, string_or_list, token_arg};
use super::errors::guard;
use super::json;
use crate::token::Claims;
use super::args::clock;
use crate::authjs;

/// Options of `new AuthJsSession(options)`.
#[napi(object, object_to_js = false)]
pub struct AuthJsOptions {
    /// AUTH_SECRET; a list for rotation (the first encrypts).
    pub secret: Either<String, Vec<String>>,
    /// Default from secureCookie and format: authjs.session-token, __Secure-authjs.session-token,
    /// next-auth.session-token (v4).
    pub cookie_name: Option<String>,
    /// Default false, as in getToken().
    pub secure_cookie: Option<bool>,
    /// Default: the cookie name (v5), '' (v4).
    pub salt: Option<String>,
    /// Default 'v5'.
    #[napi(ts_type = "'v5' | 'v4'")]
    pub format: Option<String>,
    /// Seconds, default 15.
    pub clock_tolerance: Option<f64>,
    /// Default 65536.
    pub max_token_length: Option<f64>,
    /// Seconds since the epoch; for tests.
    pub now: Option<FunctionRef<(), f64>>,
    /// Refuse revoked sessions (ERR_TOKEN_REVOKED), checked after decryption.
    #[napi(ts_type = "RevocationList")]
    pub revocation: Option<super::revocation::RevocationRef>,
}

impl From<AuthJsOptions> for authjs::AuthJsOptions {
    fn from(o: AuthJsOptions) -> Self {
        authjs::AuthJsOptions {
            secrets: string_or_list(Some(o.secret)).unwrap_or_default(),
            cookie_name: o.cookie_name,
            secure_cookie: o.secure_cookie.unwrap_or(false),
            salt: o.salt,
            format: o.format,
            clock_tolerance: o.clock_tolerance,
            max_token_length: o.max_token_length,
        }
    }
}

impl AuthJsOptions {
    /// The core session (`shared` is the revocation list used when the options name
    /// none), and the `now` option the binding keeps.
    pub fn build(mut self, shared: Option<&std::sync::Arc<crate::revocation::RevocationList>>) -> crate::Result<(authjs::AuthJsSession, Option<FunctionRef<(), f64>>)> {
        let (now, own) = (self.now.take(), self.revocation.take());
        super::options::session_build(now, own, shared, || authjs::AuthJsSession::new(self.into()))
    }
}

#[napi(object, object_to_js = false)]
pub struct EncodeOptions {
    /// Seconds, default 30 days.
    pub max_age: Option<f64>,
}

#[napi(object, object_to_js = false)]
pub struct SessionHeaders {
    pub cookie: Option<Either<String, Vec<String>>>,
    pub authorization: Option<String>,
}

/// Decodes (and encodes) Auth.js / NextAuth session tokens; keys are derived once.
#[napi]
pub struct AuthJsSession {
    core: std::sync::Arc<SessionCore>,
    json: json::JsonParse,
    handle: super::handle::Handle,
}

/// What an AuthJsSession decodes with, shared with the handle its JS wrapper keeps
/// (`_handle`): `_authjsDecodeText`, a plain function, is entered faster than a method.
pub struct SessionCore {
    inner: authjs::AuthJsSession,
    now: Option<FunctionRef<(), f64>>,
}

impl super::handle::Core for SessionCore {
    const CLASS: &'static str = "AuthJsSession";
}

/// The claims of a session token as JSON text; `handle` is `AuthJsSession#_handle()`.
/// js/index.js parses it: this is the package's `AuthJsSession#decode`.
/// Exported as `_authjsDecodeText` by `raw` (a plain N-API callback).
pub fn authjs_decode_text<'e>(env: &'e Env, handle: f64, token: Unknown) -> napi::Result<napi::JsString<'e>> {
    let core = super::handle::core::<SessionCore>(env, handle)?;
    super::args::with_token(env, &token, |token| {
        let now = clock(env, &core.now)?;
        let claims = guard(env, || crate::metrics::record(crate::metrics::Verifier::AuthJs, core.inner.decode(token, now)))?;
        json::text(env, b"", &claims.json)
    })?
}

fn claims_or_null<'e>(env: &'e Env, parser: &json::JsonParse, v: Option<Claims>) -> napi::Result<Unknown<'e>> {
    match v {
        Some(c) => parser.parse(env, c.json),
        None => Null.into_unknown(env),
    }
}

#[napi]
impl AuthJsSession {
    #[napi(constructor, ts_args_type = "options: AuthJsOptions")]
    pub fn new(env: Env, options: Unknown) -> napi::Result<Self> {
        let o: AuthJsOptions = options_arg(&env, &options, "AuthJsSession options")?;
        let (inner, now) = guard(&env, || o.build(None))?;
        Ok(AuthJsSession { core: std::sync::Arc::new(SessionCore { inner, now }), json: json::JsonParse::new(&env)?, handle: Default::default() })
    }

    /// The handle `_authjsDecodeText` takes (js/index.js keeps one per instance).
    #[napi(js_name = "_handle")]
    pub fn handle(&self) -> f64 {
        self.handle.get(|| self.core.clone())
    }

    /// The session cookie name this instance reads.
    #[napi(getter)]
    pub fn cookie_name(&self) -> String {
        self.core.inner.cookie_name().to_string()
    }

    /// Decrypts and checks a session token; returns its claims.
    #[napi(ts_generic_types = "T extends object = {}", ts_args_type = "token: string", ts_return_type = "AuthJsClaims & T")]
    pub fn decode<'e>(&self, env: &'e Env, token: Unknown) -> napi::Result<Unknown<'e>> {
        let token = token_arg(env, &token)?;
        let now = clock(env, &self.core.now)?;
        let claims = guard(env, || crate::metrics::record(crate::metrics::Verifier::AuthJs, self.core.inner.decode(&token, now)))?;
        self.json.parse(env, claims.json)
    }

    /// Encrypts claims as @auth/core's encode does (iat, exp, jti set here).
    #[napi(ts_args_type = "claims: Record<string, unknown>, options?: EncodeOptions")]
    pub fn encode(&self, env: Env, claims: Unknown, options: Option<Unknown>) -> napi::Result<String> {
        let claims = super::args::json_value_arg(&env, &claims, "claims", false)?;
        let options: Option<EncodeOptions> = match &options {
            Some(o) if !matches!(o.get_type()?, napi::ValueType::Undefined | napi::ValueType::Null) => {
                Some(super::args::options_arg(&env, o, "encode options")?)
            }
            _ => None,
        };
        let now = clock(&env, &self.core.now)?;
        let max_age = options.and_then(|o| o.max_age);
        guard(&env, || self.core.inner.encode(&claims, max_age, now))
    }

    /// The session in a Cookie header (chunks joined); null when no session cookie is present.
    #[napi(ts_generic_types = "T extends object = {}", ts_args_type = "cookieHeader: string", ts_return_type = "(AuthJsClaims & T) | null")]
    #[allow(clippy::wrong_self_convention)] // the JS method name
    pub fn from_cookie_header<'e>(&self, env: &'e Env, cookie_header: Unknown) -> napi::Result<Unknown<'e>> {
        let header = string_arg(env, &cookie_header, "the Cookie header")?;
        let now = clock(env, &self.core.now)?;
        let claims = guard(env, || crate::metrics::record_found(crate::metrics::Verifier::AuthJs, self.core.inner.from_cookie_header(&header, now)))?;
        claims_or_null(env, &self.json, claims)
    }

    /// As getToken(): the session cookie first, then `Authorization: Bearer`; null when neither is present.
    #[napi(
        ts_generic_types = "T extends object = {}",
        ts_args_type = "headers: { cookie?: string | string[], authorization?: string }",
        ts_return_type = "(AuthJsClaims & T) | null"
    )]
    #[allow(clippy::wrong_self_convention)] // the JS method name
    pub fn from_headers<'e>(&self, env: &'e Env, headers: Unknown) -> napi::Result<Unknown<'e>> {
        let h: SessionHeaders = options_arg(env, &headers, "headers")?;
        let cookie = h.cookie.map(|c| match c {
            Either::A(s) => s,
            Either::B(list) => list.join("; "),
        });
        let now = clock(env, &self.core.now)?;
        let claims = guard(env, || crate::metrics::record_found(crate::metrics::Verifier::AuthJs, self.core.inner.from_headers(cookie.as_deref(), h.authorization.as_deref(), now)))?;
        claims_or_null(env, &self.json, claims)
    }
}
