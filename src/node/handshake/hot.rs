//! The plain functions the JS wrapper (js/index.js) calls with a handle instead of the class's
//! methods: entered faster (`raw` registers the hottest as plain N-API callbacks).

use napi::{Env, Unknown, ValueType};
use napi_derive::napi;

use super::args::{field_value, kind_text, secure_value, string_value, verdict_arg};
use super::instance::HandshakeCore;
use crate::node::args::clock;
use crate::node::errors::{guard, to_js, to_js_with};
use crate::node::json;
use crate::error::Error as CoreError;
use crate::handshake::{self, Kind};

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
    let (core, direct) = crate::node::handle::core_direct::<HandshakeCore>(env, handle)?;
    let (authorization, origin, host) = (string_value(&authorization)?, string_value(&origin)?, string_value(&host)?);
    let run = |cookie: Option<&str>| core.run(env, &auth_s, auth_bad, &query_s, query_bad, authorization, cookie, origin, host, secure, verdict, direct);
    // The Cookie header (often the longest string here) goes through the one-call copy.
    let (claims, kind, source) = if cookie.get_type()? == ValueType::String {
        crate::node::args::with_token(env, &cookie, |c| run(Some(c)))??
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
    let (core, direct) = crate::node::handle::core_direct::<HandshakeCore>(env, handle)?;
    let env_ref = env;
    let env = *env;
    let token = crate::node::args::token_arg(&env, &token)?;
    let now = core.clocks(&env)?;
    let t = crate::extract::strip_bearer(&token);
    match crate::node::errors::catch(&env, || core.inner.dispatch(t, now))? {
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
    let (core, direct) = crate::node::handle::core_direct::<HandshakeCore>(env, handle)?;
    let env_ref = env;
    let env = *env;
    if core.inner.first_source() != handshake::Source::Auth || token.get_type()? != ValueType::String {
        return Ok(None);
    }
    crate::node::args::with_token(&env, &token, |token| {
        let t = crate::extract::strip_bearer(token);
        if t.is_empty() {
            return Ok(None);
        }
        let now = core.clocks(&env)?;
        match crate::node::errors::catch(&env, || core.inner.dispatch(t, now))? {
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
    let core = crate::node::handle::core::<HandshakeCore>(env, handle)?;
    let env_ref = env;
    let env = *env;
    if authorization.get_type()? != ValueType::String {
        crate::node::args::string_arg(&env, &authorization, "the Authorization header")?;
    }
    crate::node::args::with_token(&env, &authorization, |header| {
        let t = match crate::extract::auth_header_parts(header) {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token,
            _ => return Ok(None),
        };
        let now = core.clocks(&env)?;
        match crate::node::errors::catch(&env, || core.inner.dispatch(t, now))? {
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
    let core = crate::node::handle::core::<HandshakeCore>(env, handle)?;
    let verdict = verdict_arg(env, &origin_allowed)?;
    let secure = match &secure {
        Some(s) => secure_value(s)?,
        None => false,
    };
    let Some(o) = string_value(&origin)? else { return Ok(()) };
    let host = string_value(&host)?;
    if crate::node::errors::catch(env, || core.origin_allowed(env, &o, host.as_deref(), secure, verdict))?? {
        Ok(())
    } else {
        Err(to_js_with(env, core.refusal(&o, host.as_deref(), secure, verdict), &[("source", Some(handshake::Source::Cookie.name()))]))
    }
}

/// For the async paths of the JS layer (js/better-auth/index.js), after ERR_SESSION_LOOKUP_REQUIRED:
/// the verified session token of a Cookie header (Better Auth's `session_token` cookie,
/// checked with the current secret), what `lookupSession` is called with; null when that
/// cookie is absent. Throws ERR_INVALID_OPTIONS when no `betterAuth` is configured.
#[napi(js_name = "_handshakeBetterAuthToken", ts_args_type = "handle: number, cookie: string")]
pub fn handshake_better_auth_token(env: Env, handle: f64, cookie: Unknown) -> napi::Result<Option<String>> {
    let core = crate::node::handle::core::<HandshakeCore>(&env, handle)?;
    let Some(b) = &core.inner.better_auth else {
        return Err(to_js(&env, CoreError::options("no betterAuth options are configured")));
    };
    let cookie = crate::node::args::string_arg(&env, &cookie, "the Cookie header")?;
    guard(&env, || b.session_token_from_header(&cookie))
}

/// For the async paths of the JS layer, after ERR_SESSION_LOOKUP_REQUIRED for a token sent
/// as such (Better Auth's bearer plugin: `Authorization: Bearer <token>.<signature>`, or
/// `auth.token`): the session token, its signature checked with the current secret.
#[napi(js_name = "_handshakeBetterAuthSignedToken", ts_args_type = "handle: number, value: string")]
pub fn handshake_better_auth_signed_token(env: Env, handle: f64, value: Unknown) -> napi::Result<String> {
    let core = crate::node::handle::core::<HandshakeCore>(&env, handle)?;
    let Some(b) = &core.inner.better_auth else {
        return Err(to_js(&env, CoreError::options("no betterAuth options are configured")));
    };
    let value = crate::node::args::token_arg(&env, &value)?;
    guard(&env, || b.verify_session_token(crate::extract::strip_bearer(&value)))
}

/// For the async paths of the JS layer: a session `lookupSession` found (`{ session, user }`
/// as JSON text) for the session `token`, checked (the members better-auth requires, the
/// session's expiresAt, the token, the revocation list) and shaped as a cookie cache's
/// claims; the claims as JSON text after a line feed (the kind code of 'better-auth').
/// `until` (seconds since the epoch, or null) caps the claims' exp: when the lookup is asked again.
#[napi(js_name = "_handshakeBetterAuthLookup", ts_args_type = "handle: number, json: string, token: string, until: number | null")]
pub fn handshake_better_auth_lookup<'e>(env: &'e Env, handle: f64, json_text: String, token: String, until: Option<f64>) -> napi::Result<napi::JsString<'e>> {
    let core = crate::node::handle::core::<HandshakeCore>(env, handle)?;
    let Some(b) = &core.inner.better_auth else {
        return Err(to_js(env, CoreError::options("no betterAuth options are configured")));
    };
    let now = clock(env, &core.now_better_auth)?;
    let claims = guard(env, || b.from_lookup(json_text.as_bytes(), Some(&token), until.filter(|u| u.is_finite()), now).and_then(|c| b.claims(c, now)))?;
    json::text(env, b"\n", &claims.json)
}
