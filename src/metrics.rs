//! Outcome counters of the bare verifiers (issue 25): `JwtVerifier#verify` and
//! `AuthJsSession#decode` are plain N-API callbacks with no JS around them (and
//! `BetterAuthSession#decode` a plain method), so their outcomes
//! are counted here, one relaxed atomic add per call (no lock, no allocation, nothing read
//! back on the hot path), and read on collection by authbridge/metrics (`nativeCounts()`).
//!
//! One slot per verifier kind and outcome: slot 0 is "accepted", slot `1 + code as usize`
//! the refusals of that code. Counters are process-wide (every thread, every instance) and
//! only grow.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{ErrorCode, Result};

/// Which bare verifier a count is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verifier {
    /// `JwtVerifier#verify`.
    Jwt = 0,
    /// `AuthJsSession#decode`.
    AuthJs = 1,
    /// `BetterAuthSession#decode`.
    BetterAuth = 2,
}

impl Verifier {
    pub const ALL: [Verifier; 3] = [Verifier::Jwt, Verifier::AuthJs, Verifier::BetterAuth];

    /// The kind label ('jwt', 'authjs').
    pub fn as_str(self) -> &'static str {
        match self {
            Verifier::Jwt => "jwt",
            Verifier::AuthJs => "authjs",
            Verifier::BetterAuth => "betterauth",
        }
    }
}

const SLOTS: usize = ErrorCode::ALL.len() + 1;
#[allow(clippy::declare_interior_mutable_const)]
const ZERO: AtomicU64 = AtomicU64::new(0);
#[allow(clippy::declare_interior_mutable_const)]
const ROW: [AtomicU64; SLOTS] = [ZERO; SLOTS];
static COUNTS: [[AtomicU64; SLOTS]; Verifier::ALL.len()] = [ROW; Verifier::ALL.len()];

/// The slot of an outcome: 0 accepted, else 1 + the code's position (clamped, so a code
/// added without growing `ErrorCode::ALL` can never index out of bounds).
fn slot(code: Option<ErrorCode>) -> usize {
    match code {
        None => 0,
        Some(c) => (c as usize + 1).min(SLOTS - 1),
    }
}

/// Counts one outcome of `verifier`.
#[inline]
pub fn count(verifier: Verifier, code: Option<ErrorCode>) {
    COUNTS[verifier as usize][slot(code)].fetch_add(1, Ordering::Relaxed);
}

/// Counts the outcome of `r` and hands it back unchanged.
#[inline]
pub fn record<T>(verifier: Verifier, r: Result<T>) -> Result<T> {
    count(verifier, r.as_ref().err().map(|e| e.code));
    r
}

/// One non-zero counter: verifier kind, code (None: accepted), count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub verifier: &'static str,
    pub code: Option<&'static str>,
    pub count: u64,
}

/// Every non-zero counter, read now (relaxed: each value is exact, the set is not a snapshot
/// taken at one instant).
pub fn snapshot() -> Vec<Count> {
    let mut out = Vec::new();
    for v in Verifier::ALL {
        let row = &COUNTS[v as usize];
        let n = row[0].load(Ordering::Relaxed);
        if n > 0 {
            out.push(Count { verifier: v.as_str(), code: None, count: n });
        }
        for code in ErrorCode::ALL {
            let n = row[slot(Some(code))].load(Ordering::Relaxed);
            if n > 0 {
                out.push(Count { verifier: v.as_str(), code: Some(code.as_str()), count: n });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn of(v: &str, code: Option<&str>) -> u64 {
        snapshot().into_iter().find(|c| c.verifier == v && c.code == code).map(|c| c.count).unwrap_or(0)
    }

    #[test]
    fn every_code_has_its_own_slot() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let s = slot(Some(code));
            assert!(s > 0 && s < SLOTS, "{code:?}");
            assert!(seen.insert(s), "two codes share slot {s}");
        }
    }

    #[test]
    fn record_counts_each_outcome_and_returns_it() {
        // Other tests of this process may count too: compare deltas of codes no other test uses here.
        let before_ok = of("authjs", None);
        let before_sig = of("authjs", Some("ERR_JWE_DECRYPTION_FAILED"));
        assert_eq!(record(Verifier::AuthJs, Ok(7)).unwrap(), 7);
        assert_eq!(record::<()>(Verifier::AuthJs, Err(Error::new(ErrorCode::JweDecryptionFailed, "x"))).unwrap_err().code, ErrorCode::JweDecryptionFailed);
        record::<()>(Verifier::AuthJs, Err(Error::new(ErrorCode::JweDecryptionFailed, "x"))).ok();
        assert!(of("authjs", None) > before_ok);
        assert!(of("authjs", Some("ERR_JWE_DECRYPTION_FAILED")) >= before_sig + 2);
    }
}
