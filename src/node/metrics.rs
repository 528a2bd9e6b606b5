//! The bare verifiers' native outcome counters (src/metrics.rs), read on collection by
//! authbridge/metrics. Nothing here runs on the hot path.

use napi_derive::napi;

/// One non-zero outcome counter of the bare verifiers.
#[napi(object)]
pub struct VerifierCount {
    /// 'jwt' (JwtVerifier#verify), 'authjs' (AuthJsSession#decode) or 'betterauth' (BetterAuthSession#decode).
    pub verifier: String,
    /// The refusal's code; null for accepted tokens.
    pub code: Option<String>,
    /// How many since the process started (only grows).
    pub count: f64,
}

/**
 * For authbridge/metrics (`nativeCounts()`): the outcome counters of JwtVerifier#verify,
 * AuthJsSession#decode and BetterAuthSession#decode, process-wide, non-zero ones only.
 */
#[napi(js_name = "_verifierCounts")]
pub fn verifier_counts() -> Vec<VerifierCount> {
    crate::metrics::snapshot()
        .into_iter()
        .map(|c| VerifierCount { verifier: c.verifier.to_string(), code: c.code.map(str::to_string), count: c.count as f64 })
        .collect()
}

/// One non-zero outcome counter of HandshakeAuthenticator's direct calls.
#[napi(object)]
pub struct DirectHandshakeCount {
    /// 'jwt', 'authjs' or 'better-auth'; null when unknown (most refusals).
    pub kind: Option<String>,
    /// 'auth', 'header', 'cookie' or 'query'; null when unknown (verifyToken, a missing token).
    pub source: Option<String>,
    /// The refusal's code; null for accepted tokens.
    pub code: Option<String>,
    /// How many since the process started (only grows).
    pub count: f64,
}

/**
 * For authbridge/metrics (`nativeCounts()`): the outcome counters of HandshakeAuthenticator's
 * public methods called directly (not through an integration), process-wide, non-zero ones only.
 */
#[napi(js_name = "_directHandshakeCounts")]
pub fn direct_handshake_counts() -> Vec<DirectHandshakeCount> {
    crate::metrics::direct_snapshot()
        .into_iter()
        .map(|c| DirectHandshakeCount { kind: c.kind.map(str::to_string), source: c.source.map(str::to_string), code: c.code.map(str::to_string), count: c.count as f64 })
        .collect()
}

/**
 * For js/index.js: counts one outcome of HandshakeAuthenticator#authenticateAsync or
 * #verifyTokenAsync called directly, decided in JS (a key-set wait, a Better Auth session
 * lookup). Unknown names count as unknown; an unknown code as ERR_INTERNAL.
 */
#[napi(js_name = "_countDirectHandshake", ts_args_type = "kind: string | null, source: string | null, code: string | null")]
pub fn count_direct_handshake(kind: Option<String>, source: Option<String>, code: Option<String>) {
    use crate::error::ErrorCode;
    use crate::handshake::{Kind, Source};
    let code = code.map(|c| crate::metrics::code_of(&c).unwrap_or(ErrorCode::Internal));
    crate::metrics::count_direct(kind.as_deref().and_then(Kind::from_name), source.as_deref().and_then(Source::from_name), code);
}

/**
 * For js/index.js: counts one outcome of a bare verifier's async method called directly
 * (JwtVerifier#verifyAsync, #verifyCompleteAsync), decided after a key-set wait. `code` null
 * when accepted; an unknown code counts as ERR_INTERNAL.
 */
#[napi(js_name = "_countVerifier", ts_args_type = "verifier: 'jwt', code: string | null")]
pub fn count_verifier(verifier: String, code: Option<String>) {
    use crate::metrics::Verifier;
    let Some(v) = Verifier::ALL.into_iter().find(|v| v.as_str() == verifier) else { return };
    crate::metrics::count(v, code.map(|c| crate::metrics::code_of(&c).unwrap_or(crate::error::ErrorCode::Internal)));
}
