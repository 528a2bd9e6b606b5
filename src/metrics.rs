//! Outcome counters of the bare verifiers (issue 25): `JwtVerifier#verify` and
//! `AuthJsSession#decode` are plain N-API callbacks with no JS around them (and
//! `BetterAuthSession#decode` a plain method), so their outcomes
//! are counted here, one relaxed atomic add per call (no lock, no allocation, nothing read
//! back on the hot path), and read on collection by authbridge/metrics (`nativeCounts()`).
//!
//! One slot per verifier kind and outcome: slot 0 is "accepted", slot `1 + code as usize`
//! the refusals of that code. Counters are process-wide (every thread, every instance) and
//! only grow.
//!
//! A `HandshakeAuthenticator` called directly (its public `authenticate`, `verifyToken` and
//! their async variants, not through the Socket.IO, ws, graphql-ws or passport integrations,
//! which report their own outcomes with their transport) is counted here as well, by kind,
//! source and outcome (`count_direct`): read as the `direct` transport of the outcomes metric.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{ErrorCode, Result};
use crate::handshake::{Kind, Source};

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

/// Counts one outcome of a bare verifier's method that may find nothing (`Ok(None)`: no
/// token was there, nothing is counted) and hands it back unchanged.
#[inline]
pub fn record_found<T>(verifier: Verifier, r: Result<Option<T>>) -> Result<Option<T>> {
    match &r {
        Ok(None) => {}
        Ok(Some(_)) => count(verifier, None),
        Err(e) => count(verifier, Some(e.code)),
    }
    r
}

// Direct HandshakeAuthenticator calls: [kind (0 unknown, then Kind)][source (0 unknown, then Source)][slot].
const KINDS: [Option<Kind>; 4] = [None, Some(Kind::Jwt), Some(Kind::AuthJs), Some(Kind::BetterAuth)];
const SOURCES: [Option<Source>; 5] = [None, Some(Source::Auth), Some(Source::Header), Some(Source::Cookie), Some(Source::Query)];
#[allow(clippy::declare_interior_mutable_const)]
const BY_SOURCE: [[AtomicU64; SLOTS]; SOURCES.len()] = [ROW; SOURCES.len()];
static DIRECT: [[[AtomicU64; SLOTS]; SOURCES.len()]; KINDS.len()] = [BY_SOURCE; KINDS.len()];

fn kind_index(kind: Option<Kind>) -> usize {
    match kind {
        None => 0,
        Some(Kind::Jwt) => 1,
        Some(Kind::AuthJs) => 2,
        Some(Kind::BetterAuth) => 3,
    }
}

fn source_index(source: Option<Source>) -> usize {
    match source {
        None => 0,
        Some(Source::Auth) => 1,
        Some(Source::Header) => 2,
        Some(Source::Cookie) => 3,
        Some(Source::Query) => 4,
    }
}

/// Counts one outcome of a HandshakeAuthenticator called directly: the token's kind and
/// where it was found (None when unknown, as for most refusals), `code` None when accepted.
#[inline]
pub fn count_direct(kind: Option<Kind>, source: Option<Source>, code: Option<ErrorCode>) {
    DIRECT[kind_index(kind)][source_index(source)][slot(code)].fetch_add(1, Ordering::Relaxed);
}

/// The error code named `name` (`ERR_...`), or None.
pub fn code_of(name: &str) -> Option<ErrorCode> {
    ErrorCode::ALL.into_iter().find(|c| c.as_str() == name)
}

/// One non-zero counter of direct HandshakeAuthenticator calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectCount {
    pub kind: Option<&'static str>,
    pub source: Option<&'static str>,
    pub code: Option<&'static str>,
    pub count: u64,
}

/// Every non-zero counter of direct HandshakeAuthenticator calls, read now (relaxed, as `snapshot`).
pub fn direct_snapshot() -> Vec<DirectCount> {
    let mut out = Vec::new();
    for kind in KINDS {
        for source in SOURCES {
            let row = &DIRECT[kind_index(kind)][source_index(source)];
            let outcomes = std::iter::once(None).chain(ErrorCode::ALL.into_iter().map(Some));
            for code in outcomes {
                let n = row[slot(code)].load(Ordering::Relaxed);
                if n > 0 {
                    out.push(DirectCount { kind: kind.map(Kind::name), source: source.map(Source::name), code: code.map(ErrorCode::as_str), count: n });
                }
            }
        }
    }
    out
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

    fn direct(kind: Option<&str>, source: Option<&str>, code: Option<&str>) -> u64 {
        direct_snapshot().into_iter().find(|c| c.kind == kind && c.source == source && c.code == code).map(|c| c.count).unwrap_or(0)
    }

    #[test]
    fn direct_handshakes_are_counted_by_kind_source_and_code() {
        let ok = direct(Some("authjs"), Some("query"), None);
        let refused = direct(None, Some("query"), Some("ERR_TOKEN_MALFORMED"));
        count_direct(Some(Kind::AuthJs), Some(Source::Query), None);
        count_direct(None, Some(Source::Query), Some(ErrorCode::TokenMalformed));
        count_direct(None, Some(Source::Query), Some(ErrorCode::TokenMalformed));
        assert_eq!(direct(Some("authjs"), Some("query"), None), ok + 1);
        assert_eq!(direct(None, Some("query"), Some("ERR_TOKEN_MALFORMED")), refused + 2);
        assert_eq!(code_of("ERR_TOKEN_MALFORMED"), Some(ErrorCode::TokenMalformed));
        assert_eq!(code_of("ERR_NOT_OURS"), None);
    }

    #[test]
    fn record_found_counts_nothing_when_nothing_was_found() {
        let before = snapshot();
        assert_eq!(record_found::<u8>(Verifier::BetterAuth, Ok(None)).unwrap(), None);
        let after = snapshot();
        let total = |v: &[Count]| v.iter().filter(|c| c.verifier == "betterauth" && c.code == Some("ERR_JWKS_TIMEOUT")).map(|c| c.count).sum::<u64>();
        assert_eq!(total(&before), total(&after));
        record_found::<u8>(Verifier::BetterAuth, Err(Error::new(ErrorCode::JwksTimeout, "x"))).ok();
        assert_eq!(of("betterauth", Some("ERR_JWKS_TIMEOUT")), total(&before) + 1);
    }
}
