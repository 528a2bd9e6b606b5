//! JS classes and functions for JWS/JWT: JwtVerifier, verifyJws, JwtSigner, sign.

use napi::bindgen_prelude::*;
use napi::{Env, Unknown};
use napi_derive::napi;
use serde_json::Value;

use super::args::{clock, json_arg, options_arg, string_or_list, token_arg};
use super::errors::{guard, to_js};
use super::json;
use crate::alg::parse_algorithms;
use std::sync::Arc;

use crate::error::{Error as CoreError, ErrorCode};
use crate::remote::RemoteKeys;
use crate::jws;
use crate::jwt::{self, KeySource, Span};
use crate::key::KeyInput;
use crate::util::now_seconds;

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
    /// Seconds since the epoch; for tests. Default: the system clock.
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

#[napi(object, object_from_js = false)]
pub struct CompleteResult<'e> {
    #[napi(ts_type = "Record<string, unknown>")]
    pub header: Unknown<'e>,
    #[napi(ts_type = "Record<string, unknown>")]
    pub payload: Unknown<'e>,
}

#[napi(object, object_from_js = false)]
pub struct JwsResult<'e> {
    #[napi(ts_type = "Record<string, unknown>")]
    pub header: Unknown<'e>,
    pub payload: Buffer,
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

/// The native key set behind `RemoteJwks` (js/jwks.js extends it): parses and filters
/// each fetched set and shares it with every verifier built with it. Not meant to be
/// used directly.
#[napi]
pub struct JwksKeySet {
    shared: Arc<RemoteKeys>,
}

#[napi]
impl JwksKeySet {
    #[napi(constructor)]
    pub fn new() -> Self {
        JwksKeySet { shared: Arc::new(RemoteKeys::new()) }
    }

    /// Parses a fetched JWK Set (JSON text) and swaps it in; returns the usable key ids.
    /// ERR_JWKS_INVALID / ERR_JWKS_TOO_LARGE leave the current set in place.
    #[napi(js_name = "_load")]
    pub fn load(&self, env: Env, text: String, max_keys: f64) -> napi::Result<Vec<String>> {
        guard(&env, || {
            let value = crate::json::parse_strict(&text)
                .map_err(|why| CoreError::new(ErrorCode::JwksInvalid, format!("the fetched JWK Set is not valid JSON ({why})")))?;
            let max = if max_keys.is_finite() && max_keys >= 1.0 { max_keys as usize } else { 100 };
            self.shared.load(&value, max)
        })
    }

    /// A refresh found the set unchanged: fresh again.
    #[napi(js_name = "_markFresh")]
    pub fn mark_fresh(&self) {
        self.shared.mark_fresh()
    }

    /// A refresh failed: serve the current set until `until` (seconds since the epoch).
    #[napi(js_name = "_markFailing")]
    pub fn mark_failing(&self, until: f64) {
        self.shared.mark_failing(until)
    }

    /// True once refreshes have failed for longer than staleWhileError.
    #[napi(js_name = "_isStale")]
    pub fn is_stale(&self) -> bool {
        self.shared.is_stale(now_seconds())
    }
}

impl Default for JwksKeySet {
    fn default() -> Self {
        Self::new()
    }
}

fn key_source(key: Option<Either<String, Buffer>>, jwk: Option<Value>, jwks: Option<JwksArg>) -> crate::Result<Option<KeySource>> {
    let given = key.is_some() as u8 + jwk.is_some() as u8 + jwks.is_some() as u8;
    if given > 1 {
        return Err(CoreError::options("give only one of key, jwk or jwks"));
    }
    Ok(if let Some(k) = key {
        Some(KeySource::Bytes(match k {
            Either::A(s) => s.into_bytes(),
            Either::B(b) => b.to_vec(),
        }))
    } else if let Some(j) = jwk {
        Some(KeySource::Jwk(json_arg(j, "jwk")?))
    } else if let Some(j) = jwks {
        Some(match j {
            JwksArg::Json(j) => KeySource::Jwks(json_arg(j, "jwks")?),
            JwksArg::Remote(r) => KeySource::Remote(r),
        })
    } else {
        None
    })
}

/// Converts the JS verifier options into the core's (options first, keys after).
pub fn core_verifier_options(o: VerifierOptions) -> crate::Result<(jwt::VerifierOptions, Option<FunctionRef<(), f64>>)> {
    parse_algorithms(&o.algorithms)?;
    let key = key_source(o.key, o.jwk, o.jwks)?;
    Ok((
        jwt::VerifierOptions {
            algorithms: o.algorithms,
            key,
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
        },
        o.now,
    ))
}

/// Verifies JWTs with pinned algorithms and keys prepared once, in the constructor.
#[napi]
pub struct JwtVerifier {
    inner: jwt::JwtVerifier,
    now: Option<FunctionRef<(), f64>>,
    json: json::JsonParse,
}

#[napi]
impl JwtVerifier {
    #[napi(constructor, ts_args_type = "options: VerifierOptions")]
    pub fn new(env: Env, options: Unknown) -> napi::Result<Self> {
        let o: VerifierOptions = options_arg(&env, &options, "JwtVerifier options")?;
        let (opts, now) = guard(&env, || core_verifier_options(o))?;
        let inner = guard(&env, || jwt::JwtVerifier::new(opts))?;
        Ok(JwtVerifier { inner, now, json: json::JsonParse::new(&env)? })
    }

    /// Verifies signature and claims; returns the claims.
    #[napi(ts_args_type = "token: string", ts_return_type = "Record<string, unknown>")]
    pub fn verify<'e>(&self, env: &'e Env, token: Unknown) -> napi::Result<Unknown<'e>> {
        let token = token_arg(env, &token)?;
        let now = clock(env, &self.now)?;
        let (_, claims) = guard(env, || self.inner.verify(&token, now))?;
        self.json.parse(env, claims.json)
    }

    /// Like verify, with the protected header too.
    #[napi(ts_args_type = "token: string")]
    pub fn verify_complete<'e>(&self, env: &'e Env, token: Unknown) -> napi::Result<CompleteResult<'e>> {
        let token = token_arg(env, &token)?;
        let now = clock(env, &self.now)?;
        let (header, claims) = guard(env, || self.inner.verify(&token, now))?;
        Ok(CompleteResult { header: self.json.parse(env, header.json.clone())?, payload: self.json.parse(env, claims.json)? })
    }

    /// Replaces the keys with a new JWK Set, atomically: on error nothing changes.
    #[napi(ts_args_type = "jwks: { keys: object[] } | string")]
    pub fn set_jwks(&mut self, env: Env, jwks: Unknown) -> napi::Result<()> {
        let jwks = super::args::json_value_arg(&env, &jwks, "jwks", true)?;
        let inner = &mut self.inner;
        guard(&env, || inner.set_jwks(&json_arg(jwks, "jwks")?))
    }
}

/// JWS-level verification: any payload bytes, no claim checks.
#[napi(ts_args_type = "token: string, options: JwsOptions")]
pub fn verify_jws<'e>(env: &'e Env, token: Unknown, options: Unknown) -> napi::Result<JwsResult<'e>> {
    let token = token_arg(env, &token)?;
    let o: JwsOptions = options_arg(env, &options, "verifyJws options")?;
    let verified = guard(env, || {
        let algorithms = parse_algorithms(&o.algorithms)?;
        let max_len = crate::options::length_option("maxTokenLength", o.max_token_length, jws::DEFAULT_MAX_TOKEN_LENGTH)?;
        let source = key_source(o.key, o.jwk, o.jwks)?.ok_or_else(|| CoreError::options("one of key, jwk or jwks is required"))?;
        let keys = jwt::verify::build_keys(&source, &algorithms, o.allow_weak_secret.unwrap_or(false))?;
        jws::verify_compact(&token, &algorithms, &keys, max_len)
    })?;
    Ok(JwsResult { header: json::parse(env, verified.header.json.clone())?, payload: verified.payload.into() })
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
}

#[napi(object, object_to_js = false)]
pub struct SignerKey {
    pub key: Option<Either<String, Buffer>>,
    pub jwk: Option<Value>,
}

fn span(v: Option<Either<f64, String>>) -> Option<Span> {
    v.map(|e| match e {
        Either::A(n) => Span::Seconds(n),
        Either::B(s) => Span::Text(s),
    })
}

fn core_sign_options(o: SignOptions) -> jwt::SignOptions {
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

/// Signs JWTs with a key prepared once.
#[napi]
pub struct JwtSigner {
    inner: jwt::JwtSigner,
}

#[napi]
impl JwtSigner {
    #[napi(constructor, ts_args_type = "options: SignOptions & { key?: string | Buffer, jwk?: object | string }")]
    pub fn new(env: Env, options: Unknown) -> napi::Result<Self> {
        let o: SignOptions = options_arg(&env, &options, "JwtSigner options")?;
        let k: SignerKey = options_arg(&env, &options, "JwtSigner options")?;
        let inner = guard(&env, || {
            let opts = core_sign_options(o);
            match (k.key, k.jwk) {
                (Some(_), Some(_)) => Err(CoreError::options("give only one of key or jwk")),
                (Some(Either::A(s)), None) => jwt::JwtSigner::new(opts, KeyInput::Bytes(s.as_bytes())),
                (Some(Either::B(b)), None) => jwt::JwtSigner::new(opts, KeyInput::Bytes(&b)),
                (None, Some(j)) => jwt::JwtSigner::new(opts, KeyInput::Jwk(&json_arg(j, "jwk")?)),
                (None, None) => Err(CoreError::options("one of key or jwk is required")),
            }
        })?;
        Ok(JwtSigner { inner })
    }

    #[napi(ts_args_type = "claims: Record<string, unknown>")]
    pub fn sign(&self, env: Env, claims: Unknown) -> napi::Result<String> {
        let claims = super::args::json_value_arg(&env, &claims, "claims", false)?;
        guard(&env, || self.inner.sign(&claims, now_seconds()))
    }
}

/// Signs one token (prepares the key each call: use JwtSigner for many).
#[napi(ts_args_type = "claims: Record<string, unknown>, key: string | Buffer | object, options: SignOptions")]
pub fn sign(env: Env, claims: Unknown, key: Unknown, options: Unknown) -> napi::Result<String> {
    let claims = super::args::json_value_arg(&env, &claims, "claims", false)?;
    let o: SignOptions = options_arg(&env, &options, "sign options")?;
    // SAFETY: each cast checks the value's type and fails cleanly on a mismatch.
    let key: Either<Either<String, Buffer>, Value> = match unsafe { key.cast::<Either<String, Buffer>>() } {
        Ok(k) => Either::A(k),
        Err(_) => match key.get_type()? {
            napi::ValueType::Object => Either::B(super::args::json_value_arg(&env, &key, "key", false)?),
            _ => return Err(to_js(&env, CoreError::key("the key must be a string, a Buffer or a JWK object"))),
        },
    };
    guard(&env, || {
        let opts = core_sign_options(o);
        let signer = match &key {
            Either::A(Either::A(s)) => jwt::JwtSigner::new(opts, KeyInput::Bytes(s.as_bytes()))?,
            Either::A(Either::B(b)) => jwt::JwtSigner::new(opts, KeyInput::Bytes(b))?,
            Either::B(v) => jwt::JwtSigner::new(opts, KeyInput::Jwk(v))?,
        };
        signer.sign(&claims, now_seconds())
    })
}
