//! The revocation list: tokens refused before their `exp`, consulted synchronously,
//! in memory, by every verifier that is given one (after signature and claims pass).
//!
//! Two kinds of entry:
//! - by token id: `jti` is revoked until `exp` (after which the token is refused as
//!   expired anyway, so the entry is dropped);
//! - by subject: the tokens of `sub` issued before `before` (`iat < before`) are revoked.
//!   A token without `iat` counts as issued before any revocation of its subject. The
//!   entry lives `subject_ttl` seconds after `before` (set it to at least the longest
//!   lifetime of the tokens you accept).
//!
//! A version counter moves on every change that adds or removes an entry, so callers
//! holding a verdict (open sockets) know when to check again.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::RwLock;

use crate::error::{Error, Result};
#[cfg(test)]
use crate::error::ErrorCode;

/// Default lifetime of a subject entry after its `before`: 30 days, Auth.js's default
/// session maxAge.
pub const DEFAULT_SUBJECT_TTL: f64 = 30.0 * 24.0 * 60.0 * 60.0;

/// Default seconds a revoked subject's token time (iat, or a session's auth_time) may be
/// ahead of the clock before the token is refused as unorderable (R02).
pub const DEFAULT_CLOCK_TOLERANCE: f64 = 60.0;

/// Inserts between two passes that drop entries past their lifetime, at least.
const PRUNE_EVERY: u64 = 1024;

/// Longest jti or sub kept (bytes); longer ones are refused as options errors.
pub const MAX_ID_LENGTH: usize = 1024;

mod arena;
mod batch;
mod check;
mod ids;
mod table;

pub use batch::{Changed, Entry, Merged, MAX_CHANGED};
pub use check::revoked_error;
pub use ids::*;
use table::{IdTable, Raised};

#[derive(Default)]
struct Entries {
    /// jti -> exp (seconds).
    tokens: IdTable,
    /// sub -> before (seconds): tokens with iat < before are revoked.
    subjects: IdTable,
}

pub struct RevocationList {
    entries: RwLock<Entries>,
    version: AtomicU64,
    /// True when both maps are empty: the check is then one atomic load.
    empty: AtomicBool,
    /// Inserts left before entries past their lifetime are dropped (see `insert_pruning`).
    budget: AtomicU64,
    /// Set by a store that lost its sync for too long, with onStale 'refuse': every
    /// token is then refused with ERR_REVOCATION_STALE.
    refuse_all: AtomicBool,
    subject_ttl: f64,
    /// Seconds a revoked subject's token time may be ahead of the clock (R02).
    clock_tolerance: f64,
}

fn check_id(what: &str, id: &str) -> Result<()> {
    if id.is_empty() || id.len() > MAX_ID_LENGTH {
        return Err(Error::options(format!("{what} must be a non-empty string of at most {MAX_ID_LENGTH} bytes or an integer of at most 2^53-1")));
    }
    Ok(())
}

fn check_time(what: &str, t: f64) -> Result<()> {
    if !t.is_finite() || t < 0.0 {
        return Err(Error::options(format!("{what} must be a finite number of seconds since the epoch")));
    }
    Ok(())
}

impl Default for RevocationList {
    fn default() -> Self {
        RevocationList::new(None).expect("the default subject TTL is valid")
    }
}

/// Construction, settings, and what every change does under the lock.
impl RevocationList {
    pub fn new(subject_ttl: Option<f64>) -> Result<RevocationList> {
        RevocationList::with_tolerance(subject_ttl, None)
    }

    /// As `new`, with the clock tolerance of the R02 rule (default 60 s).
    pub fn with_tolerance(subject_ttl: Option<f64>, clock_tolerance: Option<f64>) -> Result<RevocationList> {
        let clock_tolerance = match clock_tolerance {
            None => DEFAULT_CLOCK_TOLERANCE,
            Some(t) if t.is_finite() && t >= 0.0 => t,
            Some(_) => return Err(Error::options("clockTolerance must be a finite number of seconds >= 0")),
        };
        let subject_ttl = match subject_ttl {
            None => DEFAULT_SUBJECT_TTL,
            Some(t) if t.is_finite() && t > 0.0 => t,
            Some(_) => return Err(Error::options("subjectTtl must be a positive, finite number of seconds")),
        };
        Ok(RevocationList {
            entries: RwLock::default(),
            version: AtomicU64::new(0),
            empty: AtomicBool::new(true),
            refuse_all: AtomicBool::new(false),
            budget: AtomicU64::new(PRUNE_EVERY),
            subject_ttl,
            clock_tolerance,
        })
    }

    pub fn subject_ttl(&self) -> f64 {
        self.subject_ttl
    }

    pub fn clock_tolerance(&self) -> f64 {
        self.clock_tolerance
    }

    /// Moves on every change.
    pub fn version(&self) -> u64 {
        self.version.load(Ordering::Acquire)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Entries> {
        // A poisoned lock only means a panic elsewhere while holding it; the maps are
        // still consistent (every mutation is a single insert/remove).
        self.entries.write().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Entries> {
        self.entries.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Bounds memory without a timer: after as many inserts as there were entries left by
    /// the last pass (at least 1024), the entries past their lifetime are dropped, under the
    /// same lock. Amortized O(1) per insert.
    fn insert_pruning(&self, e: &mut Entries, now: f64) {
        if self.budget.fetch_sub(1, Ordering::AcqRel) > 1 {
            return;
        }
        e.tokens.retain(|exp| exp > now);
        let ttl = self.subject_ttl;
        e.subjects.retain(|b| b + ttl > now);
        let left = (e.tokens.len() + e.subjects.len()) as u64;
        self.budget.store(left.max(PRUNE_EVERY), Ordering::Release);
    }

    fn changed(&self, e: &Entries) {
        self.empty.store(e.tokens.is_empty() && e.subjects.is_empty(), Ordering::Release);
        self.version.fetch_add(1, Ordering::AcqRel);
    }

}

/// Single changes: one id revoked, or the entries past their lifetime dropped.
impl RevocationList {
    /// Revokes a token id until `exp`. Returns false (no change) when the entry was
    /// already there with that exp or later, or when exp is already past.
    pub fn revoke_token(&self, jti: &str, exp: f64, now: f64) -> Result<bool> {
        check_id("jti", jti)?;
        check_time("exp", exp)?;
        if exp <= now {
            return Ok(false);
        }
        let mut e = self.write();
        if e.tokens.raise(jti, exp)? == Raised::Unchanged {
            return Ok(false);
        }
        self.insert_pruning(&mut e, now);
        self.changed(&e);
        Ok(true)
    }

    /// Revokes the tokens of `sub` issued before `before`. Returns false when an entry
    /// with that `before` or a later one was already there, or when the entry would
    /// already have expired.
    pub fn revoke_subject(&self, sub: &str, before: f64, now: f64) -> Result<bool> {
        check_id("sub", sub)?;
        check_time("before", before)?;
        if before + self.subject_ttl <= now {
            return Ok(false);
        }
        let mut e = self.write();
        if e.subjects.raise(sub, before)? == Raised::Unchanged {
            return Ok(false);
        }
        self.insert_pruning(&mut e, now);
        self.changed(&e);
        Ok(true)
    }

    /// Drops the entries that no longer refuse anything: token entries past their exp,
    /// subject entries past before + subjectTtl. Returns how many were dropped.
    pub fn prune(&self, now: f64) -> usize {
        if self.empty.load(Ordering::Acquire) {
            return 0;
        }
        let mut e = self.write();
        let before = e.tokens.len() + e.subjects.len();
        e.tokens.retain(|exp| exp > now);
        let ttl = self.subject_ttl;
        e.subjects.retain(|b| b + ttl > now);
        let dropped = before - e.tokens.len() - e.subjects.len();
        if dropped > 0 {
            self.changed(&e);
        }
        dropped
    }

}

/// Refuse-all (a store that lost its sync), and what the list holds.
impl RevocationList {
    /// Refuse every token (true) until set back (false); a change moves the version.
    /// Returns whether it changed.
    pub fn set_refuse_all(&self, on: bool) -> bool {
        let was = self.refuse_all.swap(on, Ordering::AcqRel);
        if was != on {
            self.version.fetch_add(1, Ordering::AcqRel);
        }
        was != on
    }

    pub fn refuses_all(&self) -> bool {
        self.refuse_all.load(Ordering::Acquire)
    }

    pub fn is_empty(&self) -> bool {
        self.empty.load(Ordering::Acquire)
    }

    /// Whether a check can refuse anything now (entries, or refuse-all while stale): when
    /// not, verifiers skip reading the ids.
    pub fn consulted(&self) -> bool {
        !self.empty.load(Ordering::Acquire) || self.refuse_all.load(Ordering::Acquire)
    }

    /// (token entries, subject entries)
    pub fn len(&self) -> (usize, usize) {
        let e = self.read();
        (e.tokens.len(), e.subjects.len())
    }

    /// Every entry, for inspection and tests.
    pub fn entries(&self) -> Vec<Entry> {
        let e = self.read();
        let mut out: Vec<Entry> = Vec::with_capacity(e.tokens.len() + e.subjects.len());
        out.extend(e.tokens.iter().map(|(j, x)| Entry::Token { jti: j.to_string(), exp: x }));
        out.extend(e.subjects.iter().map(|(s, b)| Entry::Subject { sub: s.to_string(), before: b }));
        out
    }

}

#[cfg(test)]
mod tests;
