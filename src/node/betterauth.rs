//! The BetterAuthSession class: Better Auth's cookie cache and signed session token.

use napi::bindgen_prelude::*;
use napi::{Env, Unknown};
use napi_derive::napi;

use super::args::{clock, options_arg, string_arg, token_arg};
use super::errors::guard;
use super::json;
use crate::betterauth;

/// One entry of Better Auth's `secrets` option.
#[napi(object, object_to_js = false)]
pub struct BetterAuthSecret {
    pub version: f64,
    pub value: String,
}

/// Options of `new BetterAuthSession(options)`.
#[napi(object, object_to_js = false)]
pub struct BetterAuthOptions {
    /// BETTER_AUTH_SECRET (betterAuth's `secret`): the only secret, or, with `secrets`,
    /// the legacy one (tried last for the jwe strategy, as better-auth does).
    pub secret: Option<String>,
    /// BETTER_AUTH_SECRETS ("2:new,1:old") or betterAuth's `secrets` array; the first is
    /// current (it alone checks compact and jwt caches and the session token, as in
    /// better-auth); every version decrypts jwe caches.
    #[napi(ts_type = "string | Array<{ version: number; value: string }>")]
    pub secrets: Option<Either<String, Vec<BetterAuthSecret>>>,
    /// `advanced.cookiePrefix`; default 'better-auth'.
    pub cookie_prefix: Option<String>,
    /// `__Secure-` cookie names (better-auth behind HTTPS); default false.
    pub secure_cookie: Option<bool>,
    /// `session.cookieCache.strategy`; detected from each value when not given, and a
    /// value in another strategy is refused (ERR_TOKEN_WRONG_KIND) when given.
    #[napi(ts_type = "'compact' | 'jwt' | 'jwe'")]
    pub strategy: Option<String>,
    /// `session.cookieCache.version` (a string); default '1'.
    pub version: Option<String>,
    /// Seconds; default as better-auth: 15 for jwe, 0 for jwt and compact.
    pub clock_tolerance: Option<f64>,
    /// Default 65536 (the cookie cache, chunks joined).
    pub max_token_length: Option<f64>,
    /// Seconds since the epoch; for tests.
    pub now: Option<FunctionRef<(), f64>>,
    /// Refuse revoked sessions (ERR_TOKEN_REVOKED), by session
    /// id (`revokeToken(session.id, expiresAt)`) and by user id (`revokeSubject(user.id)`:
    /// sessions created before it). Takes precedence over the authenticator's `revocation`.
    #[napi(ts_type = "RevocationList")]
    pub revocation: Option<super::revocation::RevocationRef>,
    /// authbridge's async paths (socket middleware, ws, graphql-ws, the passport Strategy):
    /// called with the verified session token when the request carries no usable cookie
    /// cache (ERR_SESSION_LOOKUP_REQUIRED); answers `{ session, user }` (Better Auth's
    /// shapes; Dates or ISO strings; or that as JSON text) or null. `betterAuthRedisLookup({ client })` reads
    /// Better Auth's secondary storage. Read by the JS layer, not by the addon.
    #[napi(ts_type = "(token: string) => Promise<{ session: object; user: object } | string | null> | { session: object; user: object } | string | null")]
    pub lookup_session: Option<FunctionRef<String, ()>>,
    /// Seconds a looked-up session is kept before `lookupSession` is asked again (the
    /// cookie cache's `maxAge`); default 300, 0 keeps none. Read by the JS layer.
    pub lookup_max_age: Option<f64>,
}

impl BetterAuthOptions {
    /// The core session and the `now` option the binding keeps.
    /// For `new BetterAuthSession`: `revocation`, `lookupSession` and `lookupMaxAge` belong to
    /// an authenticator's `betterAuth` (decode does not consult them): refused, never ignored.
    pub fn build(self) -> crate::Result<(betterauth::BetterAuthSession, Option<FunctionRef<(), f64>>)> {
        if self.lookup_session.is_some() || self.lookup_max_age.is_some() {
            return Err(crate::Error::options(
                "lookupSession and lookupMaxAge are options of HandshakeAuthenticator's betterAuth (and the integrations), not of BetterAuthSession",
            ));
        }
        self.build_with(None)
    }

    /// As `build`, with the revocation list of the authenticator (the option's own first).
    pub fn build_with(mut self, shared: Option<&std::sync::Arc<crate::revocation::RevocationList>>) -> crate::Result<(betterauth::BetterAuthSession, Option<FunctionRef<(), f64>>)> {
        let (now, own) = (self.now.take(), self.revocation.take());
        // Read by the JS layer (js/better-auth/index.js), which keeps them out of the addon's way.
        let _ = (self.lookup_session.take(), self.lookup_max_age);
        let secrets = secret_list(self.secrets.take())?;
        super::options::session_build(now, own, shared, || {
            betterauth::BetterAuthSession::new(betterauth::BetterAuthOptions {
                secret: self.secret,
                secrets,
                cookie_prefix: self.cookie_prefix,
                secure_cookie: self.secure_cookie.unwrap_or(false),
                strategy: self.strategy,
                version: self.version,
                clock_tolerance: self.clock_tolerance,
                max_token_length: self.max_token_length,
            })
        })
    }
}

/// The `secrets` option as (version, value) pairs: BETTER_AUTH_SECRETS text, or the array.
fn secret_list(secrets: Option<Either<String, Vec<BetterAuthSecret>>>) -> crate::Result<Option<Vec<(u32, String)>>> {
    Ok(match secrets {
        None => None,
        Some(Either::A(text)) => Some(betterauth::parse_secrets(&text)?),
        Some(Either::B(list)) => Some(
            list.into_iter()
                .map(|s| {
                    if s.version.is_finite() && s.version >= 0.0 && s.version.fract() == 0.0 && s.version <= u32::MAX as f64 {
                        Ok((s.version as u32, s.value))
                    } else {
                        Err(crate::Error::options("secrets: each version must be a non-negative integer"))
                    }
                })
                .collect::<crate::Result<Vec<_>>>()?,
        ),
    })
}

/// Decodes Better Auth sessions (the cookie cache, in any of its strategies, and the
/// signed session token); keys are prepared once.
#[napi]
pub struct BetterAuthSession {
    core: std::sync::Arc<BetterAuthCore>,
    json: json::JsonParse,
    handle: super::handle::Handle,
}

/// What a BetterAuthSession decodes with, shared with the handle its JS wrapper keeps
/// (`_handle`): `_betterAuthDecodeText` and `_betterAuthCookieHeaderText`, plain
/// functions, are entered faster than methods and read their string without a copy.
pub struct BetterAuthCore {
    inner: betterauth::BetterAuthSession,
    now: Option<FunctionRef<(), f64>>,
}

impl super::handle::Core for BetterAuthCore {
    const CLASS: &'static str = "BetterAuthSession";
}

/// A cookie-cache value decoded and checked, as JSON text; `handle` is
/// `BetterAuthSession#_handle()`. js/better-auth/index.js parses it: this is the package's
/// `BetterAuthSession#decode`. Exported as `_betterAuthDecodeText` by `raw`.
pub fn better_auth_decode_text<'e>(env: &'e Env, handle: f64, value: Unknown) -> napi::Result<napi::JsString<'e>> {
    let core = super::handle::core::<BetterAuthCore>(env, handle)?;
    super::args::with_token(env, &value, |value| {
        let now = clock(env, &core.now)?;
        let cache = guard(env, || crate::metrics::record(crate::metrics::Verifier::BetterAuth, core.inner.decode(value, now).and_then(|c| core.inner.check_revoked(&c, now).map(|_| c))))?;
        json::text(env, b"", &cache.json)
    })?
}

/// The session in a Cookie header as JSON text, or null (neither cookie present); the
/// package's `BetterAuthSession#decodeCookieHeader`. Exported as `_betterAuthCookieHeaderText`.
pub fn better_auth_cookie_header_text<'e>(env: &'e Env, handle: f64, header: Unknown) -> napi::Result<Option<napi::JsString<'e>>> {
    let core = super::handle::core::<BetterAuthCore>(env, handle)?;
    if header.get_type()? != ValueType::String {
        // The error names the argument.
        string_arg(env, &header, "the Cookie header")?;
    }
    super::args::with_token(env, &header, |header| {
        let now = clock(env, &core.now)?;
        match guard(env, || crate::metrics::record_found(crate::metrics::Verifier::BetterAuth, core.inner.from_cookie_header(header, now).and_then(|c| core.inner.checked(c, now))))? {
            Some(cache) => json::text(env, b"", &cache.json).map(Some),
            None => Ok(None),
        }
    })?
}

#[napi]
impl BetterAuthSession {
    #[napi(constructor, ts_args_type = "options: BetterAuthOptions")]
    pub fn new(env: Env, options: Unknown) -> napi::Result<Self> {
        let o: BetterAuthOptions = options_arg(&env, &options, "BetterAuthSession options")?;
        let (inner, now) = guard(&env, || o.build())?;
        Ok(BetterAuthSession { core: std::sync::Arc::new(BetterAuthCore { inner, now }), json: json::JsonParse::new(&env)?, handle: Default::default() })
    }

    /// The handle `_betterAuthDecodeText` takes (js/better-auth/index.js keeps one per instance).
    #[napi(js_name = "_handle")]
    pub fn handle(&self) -> f64 {
        self.handle.get(|| self.core.clone())
    }

    /// The cookie-cache cookie name read by decodeCookieHeader (`<prefix>.session_data`).
    #[napi(getter)]
    pub fn data_cookie_name(&self) -> String {
        self.core.inner.data_cookie_name().to_string()
    }

    /// The session token cookie name (`<prefix>.session_token`).
    #[napi(getter)]
    pub fn token_cookie_name(&self) -> String {
        self.core.inner.token_cookie_name().to_string()
    }

    /// Checks a cookie-cache value (the session_data cookie, chunks joined); returns
    /// `{ session, user, updatedAt, version, strategy, cacheExpiresAt, expiresAt }`
    /// (expiresAt: the earlier of the cache's expiry and the session's, in ms).
    #[napi(ts_args_type = "cookieValue: string", ts_return_type = "BetterAuthSessionData")]
    pub fn decode<'e>(&self, env: &'e Env, value: Unknown) -> napi::Result<Unknown<'e>> {
        let value = token_arg(env, &value)?;
        let now = clock(env, &self.core.now)?;
        let cache = guard(env, || crate::metrics::record(crate::metrics::Verifier::BetterAuth, self.core.inner.decode(&value, now).and_then(|c| self.core.inner.check_revoked(&c, now).map(|_| c))))?;
        self.json.parse(env, cache.json)
    }

    /// The session in a Cookie header, as better-auth's getSession reads it from the
    /// cookie cache: the signed session token and its cache (chunks, `__Secure-`). Null
    /// when neither cookie is present; ERR_SESSION_LOOKUP_REQUIRED for a token without a
    /// usable cache.
    #[napi(ts_args_type = "cookieHeader: string", ts_return_type = "BetterAuthSessionData | null")]
    pub fn decode_cookie_header<'e>(&self, env: &'e Env, header: Unknown) -> napi::Result<Unknown<'e>> {
        let header = string_arg(env, &header, "the Cookie header")?;
        let now = clock(env, &self.core.now)?;
        match guard(env, || crate::metrics::record_found(crate::metrics::Verifier::BetterAuth, self.core.inner.from_cookie_header(&header, now).and_then(|c| self.core.inner.checked(c, now))))? {
            Some(cache) => self.json.parse(env, cache.json),
            None => Null.into_unknown(env),
        }
    }

    /// For authbridge/nest's BetterAuthService#getSession: what `lookupSession(token)`
    /// answered (`{ session, user }` as JSON text), checked as a cookie cache's payload is
    /// (the members better-auth requires, the session's expiresAt, that it belongs to
    /// `token`) and shaped as decode's result (strategy 'lookup').
    #[napi(js_name = "_decodeLookup", ts_args_type = "json: string, token: string", ts_return_type = "BetterAuthSessionData")]
    pub fn decode_lookup<'e>(&self, env: &'e Env, json_text: String, token: String) -> napi::Result<Unknown<'e>> {
        let now = clock(env, &self.core.now)?;
        let cache = guard(env, || self.core.inner.from_lookup(json_text.as_bytes(), Some(&token), None, now).and_then(|c| self.core.inner.check_revoked(&c, now).map(|_| c)))?;
        self.json.parse(env, cache.json)
    }

    /// For authbridge/nest's BetterAuthService#getSession: the verified session token of a
    /// Cookie header (the `session_token` cookie), null when that cookie is absent.
    #[napi(js_name = "_sessionTokenOf", ts_args_type = "cookieHeader: string")]
    pub fn session_token_of(&self, env: Env, header: Unknown) -> napi::Result<Option<String>> {
        let header = string_arg(&env, &header, "the Cookie header")?;
        guard(&env, || self.core.inner.session_token_from_header(&header))
    }

    /// Checks the signed session token cookie (`token.signature`, URL-encoded or not) with
    /// the current secret; returns the session token (the key of the session in the
    /// database). Also the value of `Authorization: Bearer` with Better Auth's bearer plugin.
    #[napi(ts_args_type = "cookieValue: string")]
    pub fn verify_session_token(&self, env: Env, value: Unknown) -> napi::Result<String> {
        let value = token_arg(&env, &value)?;
        guard(&env, || self.core.inner.verify_session_token(&value))
    }
}
