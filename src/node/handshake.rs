//! The HandshakeAuthenticator class: reads a Socket.IO handshake object and calls the core.

use napi::bindgen_prelude::*;
use napi::{Env, Unknown, ValueType};
use napi_derive::napi;

use super::authjs::{core_authjs_options, AuthJsOptions};
use super::errors::{guard, options_arg, to_js, to_js_with, type_name};
use super::json;
use super::jwt::{clock, core_verifier_options, VerifierOptions};
use crate::error::Error as CoreError;
use crate::handshake::{self, Field, Kind};

/// Options of `new HandshakeAuthenticator(options)`.
#[napi(object, object_to_js = false)]
pub struct HandshakeOptions {
    /// Access tokens (JWS), as for JwtVerifier.
    pub jwt: Option<VerifierOptions>,
    /// Auth.js session cookies / tokens (JWE), as for AuthJsSession.
    pub authjs: Option<AuthJsOptions>,
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
}

#[napi(object, object_from_js = false)]
pub struct AuthenticateResult<'e> {
    #[napi(ts_type = "Record<string, unknown>")]
    pub claims: Unknown<'e>,
    #[napi(ts_type = "'jwt' | 'authjs'")]
    pub kind: String,
    #[napi(ts_type = "'auth' | 'header' | 'cookie' | 'query'")]
    pub source: String,
}

#[napi(object, object_from_js = false)]
pub struct TokenResult<'e> {
    #[napi(ts_type = "Record<string, unknown>")]
    pub claims: Unknown<'e>,
    #[napi(ts_type = "'jwt' | 'authjs'")]
    pub kind: String,
}

/// Authenticates Socket.IO handshakes (and HTTP requests) from whichever token the client has.
#[napi]
pub struct HandshakeAuthenticator {
    inner: handshake::HandshakeAuthenticator,
    json: json::JsonParse,
    now_jwt: Option<FunctionRef<(), f64>>,
    now_authjs: Option<FunctionRef<(), f64>>,
}

/// A handshake field: a string, absent (undefined/null), or another type.
fn field(obj: &Option<Object<'_>>, name: &str) -> napi::Result<(Option<String>, Option<&'static str>)> {
    let Some(o) = obj else { return Ok((None, None)) };
    let v: Option<Unknown> = o.get(name)?;
    let Some(v) = v else { return Ok((None, None)) };
    match v.get_type()? {
        ValueType::Undefined | ValueType::Null => Ok((None, None)),
        // SAFETY: the type was just checked.
        ValueType::String => Ok((Some(unsafe { v.cast::<String>() }?), None)),
        ValueType::Object if v.is_array()? => Ok((None, Some("array"))),
        t => Ok((None, Some(type_name(t)))),
    }
}

fn sub_object<'e>(obj: &Object<'e>, name: &str) -> napi::Result<Option<Object<'e>>> {
    let v: Option<Unknown> = obj.get(name)?;
    match v {
        Some(v) if v.get_type()? == ValueType::Object => Ok(Some(unsafe { v.cast::<Object>() }?)),
        _ => Ok(None),
    }
}

fn to_field<'a>(s: &'a Option<String>, bad: Option<&'static str>) -> Field<'a> {
    match (s, bad) {
        (Some(s), _) => Field::Str(s.as_str()),
        (None, Some(t)) => Field::NotString(t),
        (None, None) => Field::Absent,
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
                let (mut opts, now) = guard(&env, || core_verifier_options(j))?;
                if opts.revocation.is_none() {
                    opts.revocation = shared.clone();
                }
                (Some(guard(&env, || crate::jwt::JwtVerifier::new(opts))?), now)
            }
            None => (None, None),
        };
        let (authjs, now_authjs) = match o.authjs {
            Some(mut a) => {
                let own = super::authjs::take_revocation(&mut a);
                let (opts, now) = core_authjs_options(a);
                let mut session = guard(&env, || crate::authjs::AuthJsSession::new(opts))?;
                session.set_revocation(own.or(shared));
                (Some(session), now)
            }
            None => (None, None),
        };
        let inner = guard(&env, || handshake::HandshakeAuthenticator::new(jwt, authjs, o.sources, o.auth_field))?;
        Ok(HandshakeAuthenticator { inner, json: json::JsonParse::new(&env)?, now_jwt, now_authjs })
    }

    /// Authenticates `socket.handshake` (or any `{ auth, headers, query }`). On failure the
    /// error has `code`, `source` (where the token was found, or null) and `fingerprint`.
    #[napi(ts_args_type = "handshake: { auth?: object, headers?: object, query?: object }")]
    pub fn authenticate<'e>(&self, env: &'e Env, handshake: Unknown) -> napi::Result<AuthenticateResult<'e>> {
        let env_ref = env;
        let env = *env;
        if handshake.get_type()? != ValueType::Object {
            return Err(to_js(&env, CoreError::options("handshake must be an object with auth, headers and query")));
        }
        // SAFETY: checked to be an object.
        let h: Object = unsafe { handshake.cast() }?;
        let auth = sub_object(&h, "auth")?;
        let headers = sub_object(&h, "headers")?;
        let query = sub_object(&h, "query")?;
        let name = self.inner.auth_field();
        let (auth_s, auth_bad) = field(&auth, name)?;
        let (query_s, query_bad) = field(&query, name)?;
        let (authorization, _) = field(&headers, "authorization")?;
        let cookie: Option<String> = match &headers {
            Some(hd) => match hd.get::<Either<String, Vec<String>>>("cookie") {
                Ok(Some(Either::A(s))) => Some(s),
                Ok(Some(Either::B(list))) => Some(list.join("; ")),
                _ => None,
            },
            None => None,
        };
        let input = handshake::Handshake {
            auth: to_field(&auth_s, auth_bad),
            authorization: authorization.as_deref(),
            cookie: cookie.as_deref(),
            query: to_field(&query_s, query_bad),
        };
        let now_jwt = clock(&env, &self.now_jwt)?;
        let now_authjs = clock(&env, &self.now_authjs)?;
        super::errors::quiet_panics();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.inner.authenticate(&input, now_jwt, now_authjs)));
        match result {
            Ok(Ok(a)) => Ok(AuthenticateResult {
                claims: self.json.parse(env_ref, a.claims.json)?,
                kind: a.kind.name().to_string(),
                source: a.source.name().to_string(),
            }),
            Ok(Err(f)) => Err(to_js_with(
                &env,
                f.error,
                &[("source", f.source.map(|s| s.name())), ("fingerprint", f.fingerprint.as_deref())],
            )),
            Err(_) => guard(&env, || Err(CoreError::new(crate::error::ErrorCode::Internal, "internal error"))),
        }
    }

    /// Checks one token of either kind (a 'Bearer ' prefix is tolerated): for
    /// `auth_refresh` and for callers that already hold the token.
    #[napi(ts_args_type = "token: string")]
    pub fn verify_token<'e>(&self, env: &'e Env, token: Unknown) -> napi::Result<TokenResult<'e>> {
        let env_ref = env;
        let env = *env;
        let token = super::errors::token_arg(&env, &token)?;
        let now_jwt = clock(&env, &self.now_jwt)?;
        let now_authjs = clock(&env, &self.now_authjs)?;
        let t = handshake::strip_bearer(&token);
        match guard(&env, || Ok(self.inner.dispatch(t, now_jwt, now_authjs))) ? {
            Ok((claims, kind)) => Ok(TokenResult { claims: self.json.parse(env_ref, claims.json)?, kind: kind.name().to_string() }),
            Err(e) => Err(to_js_with(&env, e, &[("fingerprint", Some(&handshake::fingerprint(t)))])),
        }
    }

    /// The clock tolerance (seconds) of the decoder for a kind: when a connection must close.
    #[napi(ts_args_type = "kind: 'jwt' | 'authjs'")]
    pub fn clock_tolerance(&self, kind: String) -> f64 {
        self.inner.tolerance(if kind == "authjs" { Kind::AuthJs } else { Kind::Jwt })
    }
}
