//! Many entries at once: `replace` (a full reload), `merge` and `merge_pairs` (what a store
//! holds), validated first, then applied under one write lock.

use std::collections::HashMap;

use super::{check_id, check_time, string_key, Entries, IdKey, Raised, RevocationList};
use crate::error::Result;

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

/// Entries given to `merge` / `replace`, validated, the stricter kept per id (borrowed).
#[derive(Default)]
struct Batch<'a> {
    tokens: HashMap<&'a str, f64, foldhash::fast::RandomState>,
    subjects: HashMap<&'a str, f64, foldhash::fast::RandomState>,
}

/// A full reload.
impl RevocationList {
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

}

/// Merges: entries added, never removed.
impl RevocationList {
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
}
