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

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::RwLock;

use crate::error::{Error, ErrorCode, Result};

/// Default lifetime of a subject entry after its `before`: 30 days, Auth.js's default
/// session maxAge.
pub const DEFAULT_SUBJECT_TTL: f64 = 30.0 * 24.0 * 60.0 * 60.0;

/// Longest jti or sub kept (bytes); longer ones are refused as options errors.
pub const MAX_ID_LENGTH: usize = 1024;

#[derive(Default)]
struct Entries {
    /// jti -> exp (seconds).
    tokens: HashMap<Box<str>, f64>,
    /// sub -> before (seconds): tokens with iat < before are revoked.
    subjects: HashMap<Box<str>, f64>,
}

pub struct RevocationList {
    entries: RwLock<Entries>,
    version: AtomicU64,
    /// True when both maps are empty: the check is then one atomic load.
    empty: AtomicBool,
    /// Set by a store that lost its sync for too long, with onStale 'refuse': every
    /// token is then refused with ERR_REVOCATION_STALE.
    refuse_all: AtomicBool,
    subject_ttl: f64,
}

/// The identifying claims of a verified token, as the check reads them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenIds {
    pub jti: Option<Box<str>>,
    pub sub: Option<Box<str>>,
    pub iat: Option<f64>,
}

impl TokenIds {
    /// From claim values: jti and sub count only when they are strings.
    pub fn from_values(jti: Option<&serde_json::Value>, sub: Option<&serde_json::Value>, iat: Option<f64>) -> TokenIds {
        let s = |v: Option<&serde_json::Value>| v.and_then(|v| v.as_str()).map(Box::from);
        TokenIds { jti: s(jti), sub: s(sub), iat }
    }
}

/// A snapshot entry, for a full reload.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Token { jti: String, exp: f64 },
    Subject { sub: String, before: f64 },
}

fn check_id(what: &str, id: &str) -> Result<()> {
    if id.is_empty() || id.len() > MAX_ID_LENGTH {
        return Err(Error::options(format!("{what} must be a non-empty string of at most {MAX_ID_LENGTH} bytes")));
    }
    Ok(())
}

fn check_time(what: &str, t: f64) -> Result<()> {
    if !t.is_finite() || t < 0.0 {
        return Err(Error::options(format!("{what} must be a finite number of seconds since the epoch")));
    }
    Ok(())
}

pub fn revoked_error(by_subject: bool) -> Error {
    Error::new(
        ErrorCode::TokenRevoked,
        if by_subject {
            "the token was revoked: its subject's tokens issued before a sign-out or ban are refused"
        } else {
            "the token was revoked (its jti is on the revocation list)"
        },
    )
}

impl Default for RevocationList {
    fn default() -> Self {
        RevocationList::new(None).expect("the default subject TTL is valid")
    }
}

impl RevocationList {
    pub fn new(subject_ttl: Option<f64>) -> Result<RevocationList> {
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
            subject_ttl,
        })
    }

    pub fn subject_ttl(&self) -> f64 {
        self.subject_ttl
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

    fn changed(&self, e: &Entries) {
        self.empty.store(e.tokens.is_empty() && e.subjects.is_empty(), Ordering::Release);
        self.version.fetch_add(1, Ordering::AcqRel);
    }

    /// Revokes a token id until `exp`. Returns false (no change) when the entry was
    /// already there with that exp or later, or when exp is already past.
    pub fn revoke_token(&self, jti: &str, exp: f64, now: f64) -> Result<bool> {
        check_id("jti", jti)?;
        check_time("exp", exp)?;
        if exp <= now {
            return Ok(false);
        }
        let mut e = self.write();
        match e.tokens.get(jti) {
            Some(old) if *old >= exp => Ok(false),
            _ => {
                e.tokens.insert(jti.into(), exp);
                self.changed(&e);
                Ok(true)
            }
        }
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
        match e.subjects.get(sub) {
            Some(old) if *old >= before => Ok(false),
            _ => {
                e.subjects.insert(sub.into(), before);
                self.changed(&e);
                Ok(true)
            }
        }
    }

    /// Replaces every entry at once (a full reload from a store). Entries already
    /// expired at `now` are left out; invalid ones are an error and change nothing.
    pub fn replace(&self, entries: &[Entry], now: f64) -> Result<()> {
        let mut next = Entries::default();
        for entry in entries {
            match entry {
                Entry::Token { jti, exp } => {
                    check_id("jti", jti)?;
                    check_time("exp", *exp)?;
                    if *exp > now {
                        let slot = next.tokens.entry(jti.as_str().into()).or_insert(*exp);
                        *slot = slot.max(*exp);
                    }
                }
                Entry::Subject { sub, before } => {
                    check_id("sub", sub)?;
                    check_time("before", *before)?;
                    if before + self.subject_ttl > now {
                        let slot = next.subjects.entry(sub.as_str().into()).or_insert(*before);
                        *slot = slot.max(*before);
                    }
                }
            }
        }
        let mut e = self.write();
        *e = next;
        self.changed(&e);
        Ok(())
    }

    /// Drops the entries that no longer refuse anything: token entries past their exp,
    /// subject entries past before + subjectTtl. Returns how many were dropped.
    pub fn prune(&self, now: f64) -> usize {
        if self.empty.load(Ordering::Acquire) {
            return 0;
        }
        let mut e = self.write();
        let before = e.tokens.len() + e.subjects.len();
        e.tokens.retain(|_, exp| *exp > now);
        let ttl = self.subject_ttl;
        e.subjects.retain(|_, b| *b + ttl > now);
        let dropped = before - e.tokens.len() - e.subjects.len();
        if dropped > 0 {
            self.changed(&e);
        }
        dropped
    }

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

    /// (token entries, subject entries)
    pub fn len(&self) -> (usize, usize) {
        let e = self.read();
        (e.tokens.len(), e.subjects.len())
    }

    /// Every entry, for inspection and tests.
    pub fn entries(&self) -> Vec<Entry> {
        let e = self.read();
        let mut out: Vec<Entry> = e.tokens.iter().map(|(j, x)| Entry::Token { jti: j.to_string(), exp: *x }).collect();
        out.extend(e.subjects.iter().map(|(s, b)| Entry::Subject { sub: s.to_string(), before: *b }));
        out
    }

    /// Ok when the token is not revoked; ERR_TOKEN_REVOKED when it is. Entries past their
    /// lifetime are not consulted (they are dropped by `prune`); a token entry past its
    /// exp cannot matter, as the token itself is then expired.
    pub fn check(&self, ids: &TokenIds, now: f64) -> Result<()> {
        if self.refuse_all.load(Ordering::Acquire) {
            return Err(Error::new(
                ErrorCode::RevocationStale,
                "the revocation list has lost its sync for longer than maxStaleness (onStale: 'refuse'); tokens are refused until it resyncs",
            ));
        }
        if self.empty.load(Ordering::Acquire) {
            return Ok(());
        }
        let e = self.read();
        if let Some(jti) = &ids.jti {
            if e.tokens.get(jti).is_some_and(|exp| *exp > now) {
                return Err(revoked_error(false));
            }
        }
        if let Some(sub) = &ids.sub {
            if let Some(before) = e.subjects.get(sub) {
                let live = before + self.subject_ttl > now;
                // No iat: issued before any revocation of its subject.
                if live && ids.iat.is_none_or(|iat| iat < *before) {
                    return Err(revoked_error(true));
                }
            }
        }
        Ok(())
    }

    pub fn is_revoked(&self, ids: &TokenIds, now: f64) -> bool {
        self.check(ids, now).is_err()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(jti: Option<&str>, sub: Option<&str>, iat: Option<f64>) -> TokenIds {
        TokenIds { jti: jti.map(Box::from), sub: sub.map(Box::from), iat }
    }

    #[test]
    fn by_jti_until_exp() {
        let l = RevocationList::default();
        assert!(l.is_empty());
        let v0 = l.version();
        assert!(l.revoke_token("a", 2000.0, 1000.0).unwrap());
        assert!(l.version() > v0);
        assert_eq!(l.check(&ids(Some("a"), Some("u"), Some(900.0)), 1000.0).unwrap_err().code, ErrorCode::TokenRevoked);
        assert!(l.check(&ids(Some("b"), Some("u"), Some(900.0)), 1000.0).is_ok());
        assert!(l.check(&ids(None, Some("u"), None), 1000.0).is_ok());
        // The same entry again (or an earlier exp) is no change.
        let v1 = l.version();
        assert!(!l.revoke_token("a", 1500.0, 1000.0).unwrap());
        assert_eq!(l.version(), v1);
        // Past exp the entry no longer counts, and prune drops it.
        assert!(l.check(&ids(Some("a"), None, None), 2000.0).is_ok());
        assert_eq!(l.prune(2000.0), 1);
        assert!(l.is_empty());
        // Already expired: nothing to keep.
        assert!(!l.revoke_token("c", 999.0, 1000.0).unwrap());
    }

    #[test]
    fn by_subject_before() {
        let l = RevocationList::new(Some(100.0)).unwrap();
        assert!(l.revoke_subject("u1", 1000.0, 1000.0).unwrap());
        let code = |i: TokenIds, now| l.check(&i, now).err().map(|e| e.code);
        assert_eq!(code(ids(None, Some("u1"), Some(999.0)), 1000.0), Some(ErrorCode::TokenRevoked));
        assert_eq!(code(ids(None, Some("u1"), Some(1000.0)), 1000.0), None);
        // No iat: issued before any revocation.
        assert_eq!(code(ids(Some("x"), Some("u1"), None), 1000.0), Some(ErrorCode::TokenRevoked));
        assert_eq!(code(ids(None, Some("u2"), Some(1.0)), 1000.0), None);
        // A later revocation moves the bound forward; an earlier one is no change.
        assert!(l.revoke_subject("u1", 1050.0, 1050.0).unwrap());
        assert!(!l.revoke_subject("u1", 1010.0, 1050.0).unwrap());
        assert_eq!(code(ids(None, Some("u1"), Some(1020.0)), 1050.0), Some(ErrorCode::TokenRevoked));
        // Lifetime: before + subjectTtl.
        assert_eq!(code(ids(None, Some("u1"), Some(1020.0)), 1150.0), None);
        assert_eq!(l.prune(1149.0), 0);
        assert_eq!(l.prune(1150.0), 1);
    }

    #[test]
    fn replace_is_all_or_nothing() {
        let l = RevocationList::default();
        l.revoke_token("old", 5000.0, 0.0).unwrap();
        let good = vec![
            Entry::Token { jti: "a".into(), exp: 5000.0 },
            Entry::Token { jti: "gone".into(), exp: 10.0 },
            Entry::Subject { sub: "u".into(), before: 100.0 },
        ];
        l.replace(&good, 1000.0).unwrap();
        assert_eq!(l.len(), (1, 1));
        assert!(l.check(&ids(Some("old"), None, None), 1000.0).is_ok());
        assert!(l.check(&ids(Some("a"), None, None), 1000.0).is_err());
        let bad = vec![Entry::Token { jti: "b".into(), exp: 5000.0 }, Entry::Subject { sub: "".into(), before: 1.0 }];
        assert_eq!(l.replace(&bad, 1000.0).unwrap_err().code, ErrorCode::InvalidOptions);
        assert_eq!(l.len(), (1, 1));
        l.replace(&[], 1000.0).unwrap();
        assert!(l.is_empty());
    }

    #[test]
    fn bad_input_is_an_options_error() {
        let l = RevocationList::default();
        assert_eq!(l.revoke_token("", 5.0, 0.0).unwrap_err().code, ErrorCode::InvalidOptions);
        assert_eq!(l.revoke_token("a", f64::NAN, 0.0).unwrap_err().code, ErrorCode::InvalidOptions);
        assert_eq!(l.revoke_subject(&"x".repeat(MAX_ID_LENGTH + 1), 5.0, 0.0).unwrap_err().code, ErrorCode::InvalidOptions);
        assert_eq!(l.revoke_subject("u", f64::INFINITY, 0.0).unwrap_err().code, ErrorCode::InvalidOptions);
        assert!(RevocationList::new(Some(0.0)).is_err());
        assert!(l.is_empty());
    }

    #[test]
    fn refuse_all_while_stale() {
        let l = RevocationList::default();
        assert!(l.set_refuse_all(true));
        assert!(!l.set_refuse_all(true));
        assert_eq!(l.check(&ids(Some("a"), Some("u"), Some(1.0)), 10.0).unwrap_err().code, ErrorCode::RevocationStale);
        assert!(l.set_refuse_all(false));
        assert!(l.check(&ids(Some("a"), Some("u"), Some(1.0)), 10.0).is_ok());
    }

    #[test]
    fn from_values_reads_only_strings() {
        let j = serde_json::json!({"jti": 5, "sub": "u"});
        let i = TokenIds::from_values(j.get("jti"), j.get("sub"), Some(3.0));
        assert_eq!(i, ids(None, Some("u"), Some(3.0)));
    }

    /// Both verifiers refuse a revoked token after signature and claims, the verified-
    /// token cache included, and accept it again when the entry is gone.
    #[test]
    fn verifiers_and_cache_honour_the_list() {
        use crate::authjs::{AuthJsOptions, AuthJsSession};
        use crate::jwt::{JwtSigner, JwtVerifier, KeySource, SignOptions, VerifierOptions};
        use serde_json::json;
        use std::sync::Arc;
        const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";
        let list = Arc::new(RevocationList::default());
        let signer = JwtSigner::new(SignOptions { algorithm: Some("HS256".into()), ..Default::default() }, crate::key::KeyInput::Bytes(SECRET)).unwrap();
        let t1 = signer.sign(&json!({"sub": "u1", "jti": "t1", "exp": 5000}), 1000.0).unwrap();
        let t2 = signer.sign(&json!({"sub": "u1", "jti": "t2", "exp": 5000}), 1000.0).unwrap();
        let later = signer.sign(&json!({"sub": "u1", "jti": "t3", "exp": 5000}), 1200.0).unwrap();
        for cache in [None, Some(10.0)] {
            list.replace(&[], 0.0).unwrap();
            let v = JwtVerifier::new(VerifierOptions {
                algorithms: vec!["HS256".into()],
                key: Some(KeySource::Bytes(SECRET.to_vec())),
                cache,
                revocation: Some(list.clone()),
                ..Default::default()
            })
            .unwrap();
            assert!(v.verify(&t1, 1100.0).is_ok());
            assert!(v.verify(&t1, 1100.0).is_ok());
            list.revoke_token("t1", 5000.0, 1100.0).unwrap();
            assert_eq!(v.verify(&t1, 1100.0).unwrap_err().code, ErrorCode::TokenRevoked);
            assert!(v.verify(&t2, 1100.0).is_ok());
            list.revoke_subject("u1", 1100.0, 1100.0).unwrap();
            assert_eq!(v.verify(&t2, 1150.0).unwrap_err().code, ErrorCode::TokenRevoked);
            assert!(v.verify(&later, 1250.0).is_ok());
            // Signature and claims come first: an expired revoked token is expired.
            assert_eq!(v.verify(&t1, 6000.0).unwrap_err().code, ErrorCode::JwtExpired);
        }
        list.replace(&[], 0.0).unwrap();
        let mut a = AuthJsSession::new(AuthJsOptions { secrets: vec!["session-secret".into()], ..Default::default() }).unwrap();
        a.set_revocation(Some(list.clone()));
        let s = a.encode(&json!({"sub": "u9"}), None, 1000.0).unwrap();
        let jti = a.decode(&s, 1000.0).unwrap().to_map()["jti"].as_str().unwrap().to_string();
        list.revoke_token(&jti, 1000.0 + crate::authjs::DEFAULT_MAX_AGE, 1000.0).unwrap();
        assert_eq!(a.decode(&s, 1000.0).unwrap_err().code, ErrorCode::TokenRevoked);
        list.replace(&[Entry::Subject { sub: "u9".into(), before: 1001.0 }], 1000.0).unwrap();
        assert_eq!(a.decode(&s, 1001.0).unwrap_err().code, ErrorCode::TokenRevoked);
        let fresh = a.encode(&json!({"sub": "u9"}), None, 1002.0).unwrap();
        assert!(a.decode(&fresh, 1002.0).is_ok());
    }
}
