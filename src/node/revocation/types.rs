//! The plain objects RevocationList takes and gives (options, changes, entries), and the
//! conversion of a given entry to the core's.

use napi::bindgen_prelude::*;
use napi_derive::napi;

use crate::error::Error as CoreError;
use crate::revocation::{self as core, Entry};

/// Options of `new RevocationList(options?)`.
#[napi(object, object_to_js = false)]
pub struct RevocationListOptions {
    /// Seconds a subject entry lives after its `before` (default 30 days, Auth.js's default
    /// session maxAge). Set it to at least the longest lifetime of the tokens you accept.
    pub subject_ttl: Option<f64>,
    /// Seconds a revoked subject's token time (`iat`, or a session's `auth_time`) may be
    /// ahead of the clock (default 60): a token of a revoked subject from further ahead
    /// cannot be ordered against the revocation and is refused (issuer skew, forged iat).
    pub clock_tolerance: Option<f64>,
    /// Seconds since the epoch; for tests. Default: the system clock.
    pub now: Option<FunctionRef<(), f64>>,
}

/// What changed, given to 'change' listeners.
#[napi(object, object_from_js = false)]
pub struct RevocationChange {
    /// 'token' (a jti), 'subject', 'merge' (entries added or made stricter by `merge`),
    /// 'reload' (every entry replaced by `replace`), 'prune', or 'stale' / 'fresh' (every
    /// token refused while a store's sync is lost, and back).
    #[napi(js_name = "type", ts_type = "'token' | 'subject' | 'merge' | 'reload' | 'prune' | 'stale' | 'fresh'")]
    pub kind: String,
    pub jti: Option<String>,
    pub exp: Option<f64>,
    pub sub: Option<String>,
    pub before: Option<f64>,
    /// 'merge' / 'reload': the entries added or made stricter (`{ jti, exp }` /
    /// `{ sub, before }`), at most 1024; empty when `overflow`.
    pub entries: Option<Vec<RevocationEntry>>,
    /// 'merge' / 'reload': true when more than 1024 entries changed (look at everything).
    pub overflow: Option<bool>,
    /// The list's version after the change.
    pub version: f64,
}

impl RevocationChange {
    pub(super) fn of(kind: &str, version: f64) -> RevocationChange {
        RevocationChange { kind: kind.into(), jti: None, exp: None, sub: None, before: None, entries: None, overflow: None, version }
    }
}

/// What `merge(entries)` did.
#[napi(object, object_from_js = false)]
pub struct RevocationMerged {
    /// Ids that were not on the list.
    pub added: u32,
    /// Ids whose entry became stricter (a later exp / before).
    pub stricter: u32,
}

pub(super) fn js_entry(e: &Entry) -> RevocationEntry {
    match e {
        Entry::Token { jti, exp } => RevocationEntry { jti: Some(jti.clone()), exp: Some(*exp), sub: None, before: None },
        Entry::Subject { sub, before } => RevocationEntry { jti: None, exp: None, sub: Some(sub.clone()), before: Some(*before) },
    }
}

/// What `_mergePairs` did.
#[napi(object, object_from_js = false)]
pub struct RevocationPairsMerged {
    /// Ids that were not on the list.
    pub added: u32,
    /// Ids whose entry became stricter.
    pub stricter: u32,
    /// Indices (into the array given) of the ids skipped as malformed.
    pub skipped: Vec<u32>,
}

/// One entry of `entries()` and of 'merge' / 'reload' changes: `{ jti, exp }` or
/// `{ sub, before }` (ids as their key text).
#[napi(object, object_from_js = false)]
pub struct RevocationEntry {
    pub jti: Option<String>,
    pub exp: Option<f64>,
    pub sub: Option<String>,
    pub before: Option<f64>,
}

/// An entry given to `replace` / `merge`: `{ jti, exp }` or `{ sub, before }`; an id may
/// be a string or an integer (keyed as `revocationKeyOf` says).
#[napi(object, object_to_js = false)]
#[derive(serde::Deserialize)]
pub struct RevocationEntryInput {
    #[napi(ts_type = "string | number")]
    pub jti: Option<serde_json::Value>,
    pub exp: Option<f64>,
    #[napi(ts_type = "string | number")]
    pub sub: Option<serde_json::Value>,
    pub before: Option<f64>,
}

fn either_key(v: serde_json::Value, what: &str) -> crate::Result<String> {
    match core::value_key(Some(&v)) {
        core::IdKey::Key(k) => Ok(k.into_owned()),
        _ => Err(CoreError::options(format!("{what} must be a non-empty string of at most {} bytes or an integer of at most 2^53-1", core::MAX_ID_LENGTH))),
    }
}

impl RevocationEntryInput {
    pub(super) fn into_core(self) -> crate::Result<Entry> {
        match self {
            RevocationEntryInput { jti: Some(jti), exp: Some(exp), sub: None, .. } if !jti.is_null() => Ok(Entry::Token { jti: either_key(jti, "jti")?, exp }),
            RevocationEntryInput { sub: Some(sub), before: Some(before), jti: None, .. } if !sub.is_null() => Ok(Entry::Subject { sub: either_key(sub, "sub")?, before }),
            _ => Err(CoreError::options("each entry is { jti, exp } or { sub, before }")),
        }
    }
}

#[napi(object, object_from_js = false)]
pub struct RevocationSize {
    pub tokens: u32,
    pub subjects: u32,
}

/// Options of `refusal(claims, options?)` / `isRevoked(claims, options?)`.
#[napi(object, object_to_js = false)]
pub struct RevocationCheckOptions {
    /// The kind of token the claims come from (default 'jwt'): for 'authjs' sessions a
    /// revoked subject is ordered by `auth_time`, and a session without it is refused.
    #[napi(ts_type = "'jwt' | 'authjs'")]
    pub kind: Option<String>,
}

