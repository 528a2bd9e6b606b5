//! JS classes and functions for JWS/JWT: JwtVerifier, verifyJws, JwtSigner, sign.

use napi::bindgen_prelude::*;
use napi::{Env, Unknown};
use napi_derive::napi;
use serde_json::Value;

use std::sync::Arc;

use super::args::{clock, options_arg, token_arg};
use super::errors::{guard, to_js};
use super::json;
use super::options::{JwsOptions, SignOptions, VerifierOptions};
use crate::error::Error as CoreError;
use crate::jwt;
use crate::key::KeyInput;

#[napi(object, object_from_js = false)]
pub struct CompleteResult<'e> {
    #[napi(ts_type = "Record<string, unknown>")]
    pub header: Unknown<'e>,
    #[napi(ts_type = "JwtClaims")]
    pub payload: Unknown<'e>,
}

#[napi(object, object_from_js = false)]
pub struct JwsResult<'e> {
    #[napi(ts_type = "Record<string, unknown>")]
    pub header: Unknown<'e>,
    pub payload: Buffer,
}

/// Verifies JWTs with pinned algorithms and keys prepared once, in the constructor.
#[napi]
pub struct JwtVerifier {
    shared: Arc<VerifierCore>,
    json: json::JsonParse,
    handle: super::handle::Handle,
}

/// What a JwtVerifier verifies with, shared with the handle its JS wrapper keeps
/// (`_handle`): a plain function taking the handle (`jwtVerifyText`) is entered several
/// hundred nanoseconds faster than a class method (no unwrap, no borrow bookkeeping).
pub struct VerifierCore {
    inner: std::sync::RwLock<jwt::JwtVerifier>,
    now: Option<FunctionRef<(), f64>>,
}

impl JwtVerifier {
    /// verifyComplete's body; `count`: the outcome is counted natively (a direct call).
    fn complete<'e>(&self, env: &'e Env, token: Unknown, count: bool) -> napi::Result<CompleteResult<'e>> {
        let token = token_arg(env, &token)?;
        let now = clock(env, &self.shared.now)?;
        let (header, claims) = guard(env, || {
            let r = self.shared.read().verify(&token, now);
            if count {
                crate::metrics::record(crate::metrics::Verifier::Jwt, r)
            } else {
                r
            }
        })?;
        Ok(CompleteResult { header: self.json.parse(env, header.json.clone())?, payload: self.json.parse(env, claims.json)? })
    }
}

impl super::handle::Core for VerifierCore {
    const CLASS: &'static str = "JwtVerifier";
}

impl VerifierCore {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, jwt::JwtVerifier> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// The claims of a verified token as JSON text; `handle` is `JwtVerifier#_handle()`.
/// js/index.js parses it: this is the package's `JwtVerifier#verify`. Exported as
/// `_jwtVerifyText` by `raw` (a plain N-API callback).
/// Counted natively (src/metrics.rs) when `handle` is `_directHandle()` (the public method).
pub fn jwt_verify_text<'e>(env: &'e Env, handle: f64, token: Unknown) -> napi::Result<napi::JsString<'e>> {
    let (core, direct) = super::handle::core_direct::<VerifierCore>(env, handle)?;
    super::args::with_token(env, &token, |token| {
        let now = clock(env, &core.now)?;
        guard(env, || {
            let r = core.read().verify_with(token, now, |json| json::text(env, b"", json));
            if direct {
                crate::metrics::record(crate::metrics::Verifier::Jwt, r)
            } else {
                r
            }
        })?
    })?
}

#[napi]
impl JwtVerifier {
    #[napi(constructor, ts_args_type = "options: VerifierOptions")]
    pub fn new(env: Env, options: Unknown) -> napi::Result<Self> {
        let o: VerifierOptions = options_arg(&env, &options, "JwtVerifier options")?;
        let (inner, now) = guard(&env, || o.build(None))?;
        Ok(JwtVerifier { shared: Arc::new(VerifierCore { inner: std::sync::RwLock::new(inner), now }), json: json::JsonParse::new(&env)?, handle: Default::default() })
    }

    /// The handle `_jwtVerifyText` takes (js/index.js keeps one per instance).
    #[napi(js_name = "_handle")]
    pub fn handle(&self) -> f64 {
        self.handle.get(|| self.shared.clone())
    }

    /// Verifies signature and claims; returns the claims.
    #[napi(ts_generic_types = "T extends object = {}", ts_args_type = "token: string", ts_return_type = "JwtClaims & T")]
    pub fn verify<'e>(&self, env: &'e Env, token: Unknown) -> napi::Result<Unknown<'e>> {
        let token = token_arg(env, &token)?;
        let now = clock(env, &self.shared.now)?;
        let (_, claims) = guard(env, || crate::metrics::record(crate::metrics::Verifier::Jwt, self.shared.read().verify(&token, now)))?;
        self.json.parse(env, claims.json)
    }

    /// Like verify, with the protected header too.
    #[napi(ts_args_type = "token: string")]
    pub fn verify_complete<'e>(&self, env: &'e Env, token: Unknown) -> napi::Result<CompleteResult<'e>> {
        self.complete(env, token, true)
    }

    /// As verifyComplete, not counted: for the integrations (JwtService), which report their own outcomes.
    #[napi(js_name = "_verifyCompleteQuiet", ts_args_type = "token: string")]
    pub fn verify_complete_quiet<'e>(&self, env: &'e Env, token: Unknown) -> napi::Result<CompleteResult<'e>> {
        self.complete(env, token, false)
    }

    /// The handle `_jwtVerifyText` takes for the public verify (js/index.js): its outcomes are
    /// counted natively.
    #[napi(js_name = "_directHandle")]
    pub fn direct_handle(&self) -> f64 {
        self.handle() + super::handle::DIRECT
    }

    /// Replaces the keys with a new JWK Set, atomically: on error nothing changes.
    #[napi(ts_args_type = "jwks: { keys: object[] } | string")]
    pub fn set_jwks(&mut self, env: Env, jwks: Unknown) -> napi::Result<()> {
        let jwks = super::args::json_value_arg(&env, &jwks, "jwks", true)?;
        let mut inner = self.shared.inner.write().unwrap_or_else(|e| e.into_inner());
        guard(&env, || inner.set_jwks(&jwks))
    }
}

/// JWS-level verification: any payload bytes, no claim checks.
#[napi(ts_args_type = "token: string, options: JwsOptions")]
pub fn verify_jws<'e>(env: &'e Env, token: Unknown, options: Unknown) -> napi::Result<JwsResult<'e>> {
    let token = token_arg(env, &token)?;
    let o: JwsOptions = options_arg(env, &options, "verifyJws options")?;
    let verified = guard(env, || jwt::verify_jws(&token, &jwt::JwsOptions::try_from(o)?))?;
    Ok(JwsResult { header: json::parse(env, verified.header.json.clone())?, payload: verified.payload.into() })
}

/// Signs JWTs with a key prepared once.
#[napi]
pub struct JwtSigner {
    inner: jwt::JwtSigner,
    now: Option<FunctionRef<(), f64>>,
}

#[napi]
impl JwtSigner {
    #[napi(constructor, ts_args_type = "options: SignOptions")]
    pub fn new(env: Env, options: Unknown) -> napi::Result<Self> {
        let mut o: SignOptions = options_arg(&env, &options, "JwtSigner options")?;
        let (key, jwk, now) = (o.key.take(), o.jwk.take(), o.now.take());
        let inner = guard(&env, || {
            let opts = jwt::SignOptions::from(o);
            match (key, jwk) {
                (Some(_), Some(_)) => Err(CoreError::options("give only one of key or jwk")),
                (Some(Either::A(s)), None) => jwt::JwtSigner::new(opts, KeyInput::Bytes(s.as_bytes())),
                (Some(Either::B(b)), None) => jwt::JwtSigner::new(opts, KeyInput::Bytes(&b)),
                (None, Some(j)) => jwt::JwtSigner::new(opts, KeyInput::Jwk(&*crate::json::value_or_text(&j, "jwk")?)),
                (None, None) => Err(CoreError::options("one of key or jwk is required")),
            }
        })?;
        Ok(JwtSigner { inner, now })
    }

    #[napi(ts_args_type = "claims: Record<string, unknown>")]
    pub fn sign(&self, env: Env, claims: Unknown) -> napi::Result<String> {
        let claims = super::args::json_value_arg(&env, &claims, "claims", false)?;
        let now = clock(&env, &self.now)?;
        guard(&env, || self.inner.sign(&claims, now))
    }
}

/// Signs one token (prepares the key each call: use JwtSigner for many).
#[napi(ts_args_type = "claims: Record<string, unknown>, key: string | Buffer | object, options: SignOptions")]
pub fn sign(env: Env, claims: Unknown, key: Unknown, options: Unknown) -> napi::Result<String> {
    let claims = super::args::json_value_arg(&env, &claims, "claims", false)?;
    let mut o: SignOptions = options_arg(&env, &options, "sign options")?;
    let now = clock(&env, &o.now.take())?;
    // SAFETY: each cast checks the value's type and fails cleanly on a mismatch.
    let key: Either<Either<String, Buffer>, Value> = match unsafe { key.cast::<Either<String, Buffer>>() } {
        Ok(k) => Either::A(k),
        Err(_) => match key.get_type()? {
            napi::ValueType::Object => Either::B(super::args::json_value_arg(&env, &key, "key", false)?),
            _ => return Err(to_js(&env, CoreError::key("the key must be a string, a Buffer or a JWK object"))),
        },
    };
    guard(&env, || {
        let opts = jwt::SignOptions::from(o);
        let signer = match &key {
            Either::A(Either::A(s)) => jwt::JwtSigner::new(opts, KeyInput::Bytes(s.as_bytes()))?,
            Either::A(Either::B(b)) => jwt::JwtSigner::new(opts, KeyInput::Bytes(b))?,
            Either::B(v) => jwt::JwtSigner::new(opts, KeyInput::Jwk(v))?,
        };
        signer.sign(&claims, now)
    })
}

