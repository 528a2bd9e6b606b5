//! The options objects of the JWS/JWT exports, and one conversion each into the core's
//! typed options (`impl TryFrom` / `From`, as node-rs does).

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use super::args::string_or_list;
use super::jwks::JwksKeySet;
use crate::error::Error as CoreError;
use crate::jwt::{self, KeySource, Span};
use crate::remote::RemoteKeys;
use crate::revocation::RevocationList;

/// Options of `new JwtVerifier(options)`.
#[napi(object, object_to_js = false)]
pub struct VerifierOptions {
    /// Required, non-empty, one key family. `none` is never accepted.
    #[napi(ts_type = "Algorithm[]")]
    pub algorithms: Vec<String>,
    /// HMAC secret, or PEM public key (SPKI, PKCS#1, X.509 certificate).
    pub key: Option<Either<String, Buffer>>,
    /// One JWK (object or JSON text).
    #[napi(ts_type = "object | string")]
    pub jwk: Option<Value>,
    /// A JWK Set; the token's kid selects the key. A `RemoteJwks` keeps itself current
    /// from the identity provider.
    #[napi(ts_type = "{ keys: object[] } | string | RemoteJwks")]
    pub jwks: Option<JwksArg>,
    pub issuer: Option<Either<String, Vec<String>>>,
    pub audience: Option<Either<String, Vec<String>>>,
    pub subject: Option<String>,
    /// Expected header typ (case-insensitive, with or without `application/`).
    pub typ: Option<String>,
    /// Seconds, default 0.
    pub clock_tolerance: Option<f64>,
    /// Seconds since iat.
    pub max_age: Option<f64>,
    /// Default `['exp']`.
    pub required_claims: Option<Vec<String>>,
    /// Default 16384 bytes.
    pub max_token_length: Option<f64>,
    /// Default false: HMAC secrets shorter than the hash output are refused.
    pub allow_weak_secret: Option<bool>,
    /// The clock: seconds since the epoch, read at each verify (`now: () => Date.now() / 1000`
    /// follows fake timers; a value above 1e11 reads as milliseconds and is refused). Default:
    /// the system clock.
    pub now: Option<FunctionRef<(), f64>>,
    /// Keep verified tokens (true: 1000 entries, or a number of entries); a hit skips the
    /// signature and re-checks only exp/nbf/maxAge. Default off.
    #[napi(ts_type = "boolean | number")]
    pub cache: Option<Either<bool, f64>>,
    /// Skip the exp check (and do not require exp). Default false.
    pub ignore_expiration: Option<bool>,
    /// Skip the nbf check. Default false.
    pub ignore_not_before: Option<bool>,
    /// Enforce the JWT access-token profile (RFC 9068): header typ `at+jwt`, and iss,
    /// exp, aud, sub, client_id, iat and jti required; needs issuer and audience.
    /// An ID token is then refused. Default false.
    pub rfc9068: Option<bool>,
    /// Refuse revoked tokens (ERR_TOKEN_REVOKED), checked after signature and claims.
    #[napi(ts_type = "RevocationList")]
    pub revocation: Option<super::revocation::RevocationRef>,
}

/// Options of `verifyJws(token, options)`.
#[napi(object, object_to_js = false)]
pub struct JwsOptions {
    #[napi(ts_type = "Algorithm[]")]
    pub algorithms: Vec<String>,
    pub key: Option<Either<String, Buffer>>,
    #[napi(ts_type = "object | string")]
    pub jwk: Option<Value>,
    #[napi(ts_type = "{ keys: object[] } | string | RemoteJwks")]
    pub jwks: Option<JwksArg>,
    pub max_token_length: Option<f64>,
    pub allow_weak_secret: Option<bool>,
}

/// A `jwks` option: a JWK Set (object or JSON text), or a `RemoteJwks` (whose native
/// part is a `JwksKeySet`), shared by reference.
pub enum JwksArg {
    Json(Value),
    Remote(Arc<RemoteKeys>),
}

impl TypeName for JwksArg {
    fn type_name() -> &'static str {
        "JwksArg"
    }
    fn value_type() -> napi::ValueType {
        napi::ValueType::Unknown
    }
}

impl FromNapiValue for JwksArg {
    unsafe fn from_napi_value(env: napi::sys::napi_env, value: napi::sys::napi_value) -> napi::Result<Self> {
        // SAFETY: validate checks that the value wraps a JwksKeySet before it is unwrapped.
        unsafe {
            if <&JwksKeySet as ValidateNapiValue>::validate(env, value).is_ok() {
                let set = <ClassInstance<'_, JwksKeySet> as FromNapiValue>::from_napi_value(env, value)?;
                return Ok(JwksArg::Remote(set.shared.clone()));
            }
            Ok(JwksArg::Json(Value::from_napi_value(env, value)?))
        }
    }
}

fn key_source(key: Option<Either<String, Buffer>>, jwk: Option<Value>, jwks: Option<JwksArg>) -> crate::Result<Option<KeySource>> {
    let given = key.is_some() as u8 + jwk.is_some() as u8 + jwks.is_some() as u8;
    if given > 1 {
        return Err(CoreError::options("give only one of key, jwk or jwks"));
    }
    let key = key.map(|k| match k {
        Either::A(s) => KeySource::Bytes(s.into_bytes()),
        Either::B(b) => KeySource::Bytes(b.to_vec()),
    });
    let jwk = jwk.map(KeySource::Jwk);
    let jwks = jwks.map(|j| match j {
        JwksArg::Json(j) => KeySource::Jwks(j),
        JwksArg::Remote(r) => KeySource::Remote(r),
    });
    Ok(key.or(jwk).or(jwks))
}

/// The JS verifier options into the core's (the `now` option is taken out first: it
/// stays in the binding). Algorithms are checked by the core, before any key is read.
impl TryFrom<VerifierOptions> for jwt::VerifierOptions {
    type Error = CoreError;

    fn try_from(o: VerifierOptions) -> crate::Result<Self> {
        Ok(jwt::VerifierOptions {
            algorithms: o.algorithms,
            key: key_source(o.key, o.jwk, o.jwks)?,
            issuer: string_or_list(o.issuer),
            audience: string_or_list(o.audience),
            subject: o.subject,
            typ: o.typ,
            clock_tolerance: o.clock_tolerance,
            max_age: o.max_age,
            required_claims: o.required_claims,
            max_token_length: o.max_token_length,
            allow_weak_secret: o.allow_weak_secret.unwrap_or(false),
            cache: match o.cache {
                None | Some(Either::A(false)) => None,
                Some(Either::A(true)) => Some(1000.0),
                Some(Either::B(n)) => Some(n),
            },
            ignore_expiration: o.ignore_expiration.unwrap_or(false),
            ignore_not_before: o.ignore_not_before.unwrap_or(false),
            rfc9068: o.rfc9068.unwrap_or(false),
            revocation: o.revocation.map(|r| r.0),
        })
    }
}

impl TryFrom<JwsOptions> for jwt::JwsOptions {
    type Error = CoreError;

    fn try_from(o: JwsOptions) -> crate::Result<Self> {
        Ok(jwt::JwsOptions {
            algorithms: o.algorithms,
            key: key_source(o.key, o.jwk, o.jwks)?,
            max_token_length: o.max_token_length,
            allow_weak_secret: o.allow_weak_secret.unwrap_or(false),
        })
    }
}

/// What a session decoder's napi options (AuthJsOptions, BetterAuthOptions) hand on beside
/// its core options: the decoder `build` makes, with the revocation list set (the option's
/// own, else the authenticator's `shared` one), and the `now` option the binding keeps.
/// (napi-rs cannot flatten one `#[napi(object)]` base into both, so they share this.)
pub fn session_build<S: crate::session::SessionDecoder>(
    now: Option<FunctionRef<(), f64>>,
    own: Option<super::revocation::RevocationRef>,
    shared: Option<&Arc<RevocationList>>,
    build: impl FnOnce() -> crate::Result<S>,
) -> crate::Result<(S, Option<FunctionRef<(), f64>>)> {
    let revocation = own.map(|r| r.0).or_else(|| shared.cloned());
    let mut session = build()?;
    session.set_revocation(revocation);
    Ok((session, now))
}

impl VerifierOptions {
    /// The core verifier, and the `now` option the binding keeps.
    pub fn build(mut self, shared_revocation: Option<&Arc<RevocationList>>) -> crate::Result<(jwt::JwtVerifier, Option<FunctionRef<(), f64>>)> {
        let now = self.now.take();
        let mut opts = jwt::VerifierOptions::try_from(self)?;
        if opts.revocation.is_none() {
            opts.revocation = shared_revocation.cloned();
        }
        Ok((jwt::JwtVerifier::new(opts)?, now))
    }
}

/// Options for signing (`sign`, `new JwtSigner`).
#[napi(object, object_to_js = false)]
pub struct SignOptions {
    #[napi(ts_type = "Algorithm")]
    pub algorithm: String,
    /// Seconds (a number), or text with a unit: '15m', '2h', '7d' ('3600' without a unit is refused).
    pub expires_in: Option<Either<f64, String>>,
    pub not_before: Option<Either<f64, String>>,
    pub issuer: Option<String>,
    pub audience: Option<Either<String, Vec<String>>>,
    pub subject: Option<String>,
    pub jwtid: Option<String>,
    /// The header kid.
    pub keyid: Option<String>,
    /// The header typ, default 'JWT'.
    pub typ: Option<String>,
    /// Do not set iat.
    pub no_timestamp: Option<bool>,
    pub allow_weak_secret: Option<bool>,
    /// `new JwtSigner` only: the key, an HMAC secret or a PEM private key (`sign()` takes
    /// its key as an argument).
    pub key: Option<Either<String, Buffer>>,
    /// `new JwtSigner` only: a private JWK (object or JSON text).
    #[napi(ts_type = "object | string")]
    pub jwk: Option<Value>,
    /// The clock for iat (and exp / nbf from expiresIn / notBefore): seconds since the
    /// epoch, read at each sign; for tests (`now: () => Date.now() / 1000` follows fake
    /// timers). Default: the system clock.
    pub now: Option<FunctionRef<(), f64>>,
}


fn span(v: Option<Either<f64, String>>) -> Option<Span> {
    v.map(|e| match e {
        Either::A(n) => Span::Seconds(n),
        Either::B(s) => Span::Text(s),
    })
}

impl From<SignOptions> for jwt::SignOptions {
    fn from(o: SignOptions) -> Self {
        let audience_single = matches!(o.audience, Some(Either::A(_)));
        jwt::SignOptions {
            algorithm: Some(o.algorithm),
            expires_in: span(o.expires_in),
            not_before: span(o.not_before),
            issuer: o.issuer,
            audience: string_or_list(o.audience),
            audience_single,
            subject: o.subject,
            jwtid: o.jwtid,
            keyid: o.keyid,
            typ: o.typ,
            no_timestamp: o.no_timestamp.unwrap_or(false),
            allow_weak_secret: o.allow_weak_secret.unwrap_or(false),
        }
    }
}
