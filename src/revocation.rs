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

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::RwLock;

use crate::error::{Error, ErrorCode, Result};

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

mod table;
use table::{IdTable, Raised};

#[derive(Default)]
struct Entries {
    /// jti -> exp (seconds).
    tokens: IdTable,
    /// sub -> before (seconds): tokens with iat < before are revoked.
    subjects: IdTable,
}

/// Entries given to `merge` / `replace`, validated, the stricter kept per id (borrowed).
#[derive(Default)]
struct Batch<'a> {
    tokens: HashMap<&'a str, f64, foldhash::fast::RandomState>,
    subjects: HashMap<&'a str, f64, foldhash::fast::RandomState>,
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

/// The identifying claims of a verified token, as the check reads them (ids already
/// turned into their keys by the id rule, see `claim_key`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenIds {
    pub jti: Option<Box<str>>,
    pub sub: Option<Box<str>>,
    pub iat: Option<f64>,
    /// The sign-in time (OIDC `auth_time`), read for Auth.js sessions.
    pub auth_time: Option<f64>,
    /// An Auth.js session: a revoked subject is ordered by `auth_time` (kept when the front
    /// end re-encodes the cookie), not by `iat` (fresh on every re-encode), and a session
    /// without `auth_time` is refused while its subject's entry lives.
    pub session: bool,
}

/// The largest integer a JavaScript number holds exactly (Number.MAX_SAFE_INTEGER).
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A claim (or argument) value seen as a revocation id.
#[derive(Debug, Clone, PartialEq)]
pub enum IdKey<'a> {
    /// No id: the claim is absent, or an empty string (no entry can have an empty id).
    Absent,
    /// The key the list is indexed by.
    Key(std::borrow::Cow<'a, str>),
    /// A value that cannot be an id: refused whenever a list is consulted.
    Invalid,
}

impl IdKey<'_> {
    pub fn into_owned(self) -> IdKey<'static> {
        match self {
            IdKey::Absent => IdKey::Absent,
            IdKey::Key(k) => IdKey::Key(std::borrow::Cow::Owned(k.into_owned())),
            IdKey::Invalid => IdKey::Invalid,
        }
    }
}

/// The id rule (one rule for every path: tokens' claims, the revoke methods, and the
/// exported `revocationKeyOf`): a string of 1 to 1024 bytes is its own key; an integer
/// number with |n| <= 2^53-1 is keyed by its decimal text (`1` and `'1'` are one id, `-0`
/// is `'0'`); an empty string is no id; any other value (another number, a longer string,
/// null, a boolean, an object, an array) is `Invalid`.
pub fn number_key(n: f64) -> IdKey<'static> {
    if n.is_finite() && n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
        IdKey::Key(std::borrow::Cow::Owned(format!("{}", n as i64)))
    } else {
        IdKey::Invalid
    }
}

/// The id rule for a string (see `number_key`).
pub fn string_key(s: &str) -> IdKey<'_> {
    if s.is_empty() {
        IdKey::Absent
    } else if s.len() > MAX_ID_LENGTH {
        IdKey::Invalid
    } else {
        IdKey::Key(std::borrow::Cow::Borrowed(s))
    }
}

/// The id rule for a JSON claim value (see `number_key`). Integers are read exactly: a
/// JSON integer beyond 2^53-1 is invalid, as JavaScript could not hold it either.
pub fn value_key(v: Option<&serde_json::Value>) -> IdKey<'_> {
    use serde_json::Value;
    match v {
        None => IdKey::Absent,
        Some(Value::String(s)) => string_key(s),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                if i.unsigned_abs() <= MAX_SAFE_INTEGER as u64 {
                    return IdKey::Key(std::borrow::Cow::Owned(i.to_string()));
                }
                IdKey::Invalid
            } else if n.is_u64() {
                IdKey::Invalid
            } else {
                n.as_f64().map_or(IdKey::Invalid, number_key)
            }
        }
        Some(_) => IdKey::Invalid,
    }
}

/// A claim's key, or ERR_JWT_CLAIM_INVALID naming the claim when it cannot be an id.
pub fn claim_key(v: Option<&serde_json::Value>, name: &str) -> Result<Option<Box<str>>> {
    match value_key(v) {
        IdKey::Absent => Ok(None),
        IdKey::Key(k) => Ok(Some(k.into())),
        IdKey::Invalid => Err(invalid_id_claim(name)),
    }
}

/// The error for a jti or sub claim that cannot be matched against the list.
pub fn invalid_id_claim(name: &str) -> Error {
    Error::claim(
        ErrorCode::JwtClaimInvalid,
        name,
        format!("the {name} claim cannot be checked against the revocation list: it must be a string of at most {MAX_ID_LENGTH} bytes or an integer of at most 2^53-1"),
    )
}

/// A claim's key from a member read for it (`json::members_raw`): a string without escapes
/// is borrowed from the claims' text, any other value is built as `json::members` builds it
/// (escapes undone, numbers read exactly) and keyed by the id rule, as `claim_key`.
pub fn member_key<'a>(member: Option<crate::json::Member<'a>>, name: &str) -> Result<Option<Cow<'a, str>>> {
    match member {
        None => Ok(None),
        Some(m) => match plain_key(&m) {
            Some(s) => Ok(Some(Cow::Borrowed(s))),
            None => built_member_key(m, name),
        },
    }
}

/// The common case of `member_key`: a plain string of 1 to 1024 bytes is its own key.
#[inline(always)]
fn plain_key<'a>(member: &crate::json::Member<'a>) -> Option<&'a str> {
    member.plain_str().filter(|s| !s.is_empty() && s.len() <= MAX_ID_LENGTH)
}

/// `member_key` of any other member: its value built, then keyed by the id rule.
#[inline(never)]
fn built_member_key<'a>(member: crate::json::Member<'a>, name: &str) -> Result<Option<Cow<'a, str>>> {
    let key = match member.plain_str() {
        Some(s) => string_key(s),
        None => match member.into_value() {
            // A string value is kept as it is, without a copy.
            Some(serde_json::Value::String(s)) => match string_key(&s) {
                IdKey::Key(_) => IdKey::Key(Cow::Owned(s)),
                other => other.into_owned(),
            },
            Some(other) => value_key(Some(&other)).into_owned(),
            // Not reached (the scanner checked the text); refused rather than let through.
            None => IdKey::Invalid,
        },
    };
    match key {
        IdKey::Absent => Ok(None),
        IdKey::Key(k) => Ok(Some(k)),
        IdKey::Invalid => Err(invalid_id_claim(name)),
    }
}

/// The revocation ids of a verified token, borrowed from its claims' text where they can be
/// (keys by the id rule, as in `TokenIds`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IdKeys<'a> {
    pub jti: Option<Cow<'a, str>>,
    pub sub: Option<Cow<'a, str>>,
    pub iat: Option<f64>,
}

impl<'a> IdKeys<'a> {
    /// From the jti and sub members (`member_key`); one that cannot be an id is
    /// ERR_JWT_CLAIM_INVALID.
    #[inline(always)]
    pub fn from_members(jti: Option<crate::json::Member<'a>>, sub: Option<crate::json::Member<'a>>, iat: Option<f64>) -> Result<IdKeys<'a>> {
        // The common case (each absent or a plain string) without a Result per id.
        let plain = |m: &Option<crate::json::Member<'a>>| match m {
            None => Some(None),
            Some(m) => plain_key(m).map(|s| Some(Cow::Borrowed(s))),
        };
        if let (Some(j), Some(s)) = (plain(&jti), plain(&sub)) {
            return Ok(IdKeys { jti: j, sub: s, iat });
        }
        Ok(IdKeys { jti: member_key(jti, "jti")?, sub: member_key(sub, "sub")?, iat })
    }

    /// The ids kept (for the verified-token cache).
    pub fn into_owned(self) -> TokenIds {
        let own = |k: Option<Cow<'_, str>>| k.map(|k| k.into_owned().into_boxed_str());
        TokenIds { jti: own(self.jti), sub: own(self.sub), iat: self.iat, auth_time: None, session: false }
    }
}

impl TokenIds {
    /// From claim values, by the id rule (`value_key`); a jti or sub that cannot be an id
    /// is ERR_JWT_CLAIM_INVALID.
    pub fn from_values(jti: Option<&serde_json::Value>, sub: Option<&serde_json::Value>, iat: Option<f64>) -> Result<TokenIds> {
        Ok(TokenIds { jti: claim_key(jti, "jti")?, sub: claim_key(sub, "sub")?, iat, auth_time: None, session: false })
    }
}

/// A snapshot entry, for a full reload.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Token { jti: String, exp: f64 },
    Subject { sub: String, before: f64 },
}

/// Most entries a 'merge' / 'reload' change lists; past it, `overflow`.
pub const MAX_CHANGED: usize = 1024;

/// The entries a merge or replace added or made stricter: at most `MAX_CHANGED`, with
/// `overflow` when more changed (then `entries` is empty: callers look at everything).
#[derive(Debug, Default, PartialEq)]
pub struct Changed {
    pub entries: Vec<Entry>,
    pub overflow: bool,
}

impl Changed {
    fn note(&mut self, entry: impl FnOnce() -> Entry) {
        if self.overflow {
            return;
        }
        if self.entries.len() == MAX_CHANGED {
            self.entries = Vec::new();
            self.overflow = true;
            return;
        }
        self.entries.push(entry());
    }
}

/// What `merge` did.
#[derive(Debug, Default, PartialEq)]
pub struct Merged {
    /// Ids that were not on the list.
    pub added: usize,
    /// Ids whose entry became stricter (later exp / later before).
    pub stricter: usize,
    pub changed: Changed,
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

    /// Validates entries and keeps, per id, the strictest live one (later exp / later
    /// before); entries already past their lifetime at `now` are left out.
    fn collect<'a>(&self, entries: &'a [Entry], now: f64) -> Result<Batch<'a>> {
        let mut next = Batch::default();
        for entry in entries {
            match entry {
                Entry::Token { jti, exp } => {
                    check_id("jti", jti)?;
                    check_time("exp", *exp)?;
                    if *exp > now {
                        let slot = next.tokens.entry(jti.as_str()).or_insert(*exp);
                        *slot = slot.max(*exp);
                    }
                }
                Entry::Subject { sub, before } => {
                    check_id("sub", sub)?;
                    check_time("before", *before)?;
                    if before + self.subject_ttl > now {
                        let slot = next.subjects.entry(sub.as_str()).or_insert(*before);
                        *slot = slot.max(*before);
                    }
                }
            }
        }
        Ok(next)
    }

    /// Replaces every entry at once (a full reload from a store). Entries already
    /// expired at `now` are left out; invalid ones are an error and change nothing.
    /// Returns the entries added or made stricter compared with before (at most
    /// `MAX_CHANGED`; `overflow` when more).
    pub fn replace(&self, entries: &[Entry], now: f64) -> Result<Changed> {
        let batch = self.collect(entries, now)?;
        let mut next = Entries::default();
        for (jti, exp) in &batch.tokens {
            next.tokens.insert(jti, *exp)?;
        }
        for (sub, before) in &batch.subjects {
            next.subjects.insert(sub, *before)?;
        }
        let mut e = self.write();
        let mut changed = Changed::default();
        for (jti, exp) in &batch.tokens {
            if e.tokens.get(jti).is_none_or(|old| old < *exp) {
                changed.note(|| Entry::Token { jti: jti.to_string(), exp: *exp });
            }
        }
        for (sub, before) in &batch.subjects {
            if e.subjects.get(sub).is_none_or(|old| old < *before) {
                changed.note(|| Entry::Subject { sub: sub.to_string(), before: *before });
            }
        }
        *e = next;
        self.changed(&e);
        Ok(changed)
    }

    /// Adds entries, keeping per id the stricter (later exp / later before); never removes
    /// anything. All or nothing: an invalid entry is an error and changes nothing. Entries
    /// past their lifetime at `now` are left out. The version moves when something changed.
    pub fn merge(&self, entries: &[Entry], now: f64) -> Result<Merged> {
        // Validated and deduplicated first (all or nothing; `stricter` counts ids made
        // stricter than before the call), then applied: one hash and one probe an entry.
        let batch = self.collect(entries, now)?;
        let tokens = batch.tokens.iter().map(|(id, t)| (true, *id, *t));
        self.apply(tokens.chain(batch.subjects.iter().map(|(id, t)| (false, *id, *t))), now)
    }

    /// As `merge`, from what a store holds: `pairs` is [id, time text, id, time text, ...]
    /// of one kind (token ids with their exp when `tokens`, else subjects with their
    /// before), as a Redis sorted set answers WITHSCORES. A pair whose id is not its own key
    /// by the id rule (`string_key`) or whose time is not a finite number >= 0 is skipped,
    /// not an error: returns what was merged and the indices (into `pairs`) of the ids
    /// skipped (an odd last element counts as one).
    pub fn merge_pairs<S: AsRef<str>>(&self, tokens: bool, pairs: &[S], now: f64) -> Result<(Merged, Vec<usize>)> {
        let mut skipped = Vec::new();
        let mut valid = Vec::with_capacity(pairs.len() / 2);
        for (k, pair) in pairs.chunks(2).enumerate() {
            let id = pair[0].as_ref();
            let time = pair.get(1).and_then(|t| t.as_ref().parse::<f64>().ok()).filter(|t| t.is_finite() && *t >= 0.0);
            match (string_key(id), time) {
                (IdKey::Key(std::borrow::Cow::Borrowed(_)), Some(t)) => valid.push((tokens, id, t)),
                _ => skipped.push(2 * k),
            }
        }
        Ok((self.apply(valid.into_iter(), now)?, skipped))
    }

    /// Applies validated (is a token entry, id, time) items, under one write lock.
    fn apply<'a>(&self, items: impl Iterator<Item = (bool, &'a str, f64)>, now: f64) -> Result<Merged> {
        let mut guard = self.write();
        let e = &mut *guard;
        let mut out = Merged::default();
        let mut result = Ok(());
        for (token, id, time) in items {
            let live = if token { time > now } else { time + self.subject_ttl > now };
            if !live {
                continue;
            }
            let table = if token { &mut e.tokens } else { &mut e.subjects };
            match table.raise(id, time) {
                Ok(Raised::Unchanged) => continue,
                Ok(Raised::Stricter) => out.stricter += 1,
                Ok(Raised::Added) => out.added += 1,
                Err(err) => {
                    // Only a full table (4 GiB of ids in a shard) fails, after the entries before it.
                    result = Err(err);
                    break;
                }
            }
            out.changed.note(|| if token { Entry::Token { jti: id.to_string(), exp: time } } else { Entry::Subject { sub: id.to_string(), before: time } });
        }
        if out.added + out.stricter > 0 {
            self.changed(e);
        }
        result.map(|_| out)
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

    /// Ok when the token is not revoked; ERR_TOKEN_REVOKED when it is. Entries past their
    /// lifetime are not consulted (they are dropped by `prune`); a token entry past its
    /// exp cannot matter, as the token itself is then expired.
    ///
    /// A subject entry refuses a token whose time is earlier than its `before`, and one
    /// whose time is later than `now` plus the list's clock tolerance (a token from the
    /// future cannot be ordered against the revocation: issuer skew or a forged iat, R02).
    /// The time is the `iat` of a JWT, the `auth_time` of an Auth.js session; a token
    /// without it is refused. One tolerance, the list's, for every path: a socket admitted
    /// by a verifier is not closed by a re-check of the same claims.
    pub fn check(&self, ids: &TokenIds, now: f64) -> Result<()> {
        self.check_ids(ids.jti.as_deref(), ids.sub.as_deref(), if ids.session { ids.auth_time } else { ids.iat }, now)
    }

    /// `check` of a verified JWT's ids (its time is its iat).
    pub fn check_keys(&self, ids: &IdKeys<'_>, now: f64) -> Result<()> {
        self.check_ids(ids.jti.as_deref(), ids.sub.as_deref(), ids.iat, now)
    }

    /// `check` of a jti and a sub (keys), `time` being the token's iat or auth_time: one
    /// read lock, one hash and one probe per id looked up; a table with no entry is not
    /// looked at.
    fn check_ids(&self, jti: Option<&str>, sub: Option<&str>, time: Option<f64>, now: f64) -> Result<()> {
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
        if let Some(jti) = jti {
            if e.tokens.get(jti).is_some_and(|exp| exp > now) {
                return Err(revoked_error(false));
            }
        }
        if let Some(before) = sub.and_then(|sub| e.subjects.get(sub)) {
            drop(e);
            let live = before + self.subject_ttl > now;
            // No time: issued before any revocation of its subject.
            if live && time.is_none_or(|t| t < before || t > now + self.clock_tolerance) {
                return Err(revoked_error(true));
            }
        }
        Ok(())
    }

    pub fn is_revoked(&self, ids: &TokenIds, now: f64) -> bool {
        self.check(ids, now).is_err()
    }
}

#[cfg(test)]
mod tests;
