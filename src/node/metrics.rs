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
