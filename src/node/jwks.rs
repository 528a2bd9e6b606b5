//! The JS class behind `RemoteJwks`: the native key set its fetches load, shared by
//! reference with every verifier given it as `jwks` (options.rs reads it from there).

use napi::Env;
use napi_derive::napi;

use std::sync::Arc;

use super::errors::guard;
use crate::error::{Error as CoreError, ErrorCode};
use crate::remote::RemoteKeys;
use crate::util::now_seconds;

/// The native key set behind `RemoteJwks` (js/jwks/index.js extends it): parses and filters
/// each fetched set and shares it with every verifier built with it. Not meant to be
/// used directly.
#[napi]
pub struct JwksKeySet {
    pub(super) shared: Arc<RemoteKeys>,
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
