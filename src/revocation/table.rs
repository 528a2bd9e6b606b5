//! A compact id -> time table for the revocation list. Every entry is one record in its
//! shard's arena (`arena.rs`: 10 bytes plus the id), and the shard's hash table holds only
//! the record's arena offset (a u32: 4 bytes and one control byte a bucket). No per-entry
//! slot, no stored hash: about 10 bytes of record and 6 to 11 of table per entry, plus the
//! id itself (issue 21: <= 80 bytes per entry with the ids kept). Hashed with foldhash under
//! a random seed per table (the ids come from tokens, so their hashes must not be
//! predictable), once per lookup or insert.
//!
//! A lookup that misses (the common case: a token not revoked) reads one group of control
//! bytes (16 bytes, one cache line); only a control-byte match (7 bits of the hash, about 1
//! in 128 per full bucket looked at) reads a record.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::arena::Arena;
use crate::error::{Error, Result};

/// Ids are spread over this many shards by their hash, each with its own table and arena:
/// growing one (a rehash) moves 1/64 of the entries, so a merge slice never pays for a
/// whole-table copy (issue 21: no block of the loop over 20 ms during a load).
const SHARDS: usize = 64;

/// Which shard holds a hash: bits 40..46, which hashbrown uses for neither a bucket's
/// position (the low bits) nor its control byte (the top 7).
fn shard_of(h: u64) -> usize {
    ((h >> 40) as usize) & (SHARDS - 1)
}

/// One shard: records appended in insertion order; `retain` alone removes (by rebuilding).
#[derive(Default)]
struct Shard {
    index: HashTable<u32>,
    bytes: Arena,
    /// The shard's place among the shards (0..SHARDS), which sets how full it lets its
    /// table get before it doubles it (see `grow_early`).
    k: u8,
}

/// Tables below this capacity grow only when full: their growth costs little.
const EARLY_FROM: usize = 1024;

/// What `IdTable::raise` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raised {
    /// The id was not in the table.
    Added,
    /// The id was there with an earlier time.
    Stricter,
    /// The id was there with that time or a later one: nothing changed.
    Unchanged,
}

pub struct IdTable {
    shards: Box<[Shard]>,
    len: usize,
    seed: foldhash::fast::RandomState,
}

impl Default for IdTable {
    fn default() -> Self {
        IdTable::with_seed(foldhash::fast::RandomState::default())
    }
}

impl Shard {
    #[inline(always)]
    fn position(&self, id: &[u8], h: u64) -> Option<u32> {
        let bytes = &self.bytes;
        self.index.find(h, |&at| bytes.id(at) == id).copied()
    }

    /// Doubles the table once it is (64 + k)/128 full, k the shard's place: the ids spread
    /// evenly over the shards, so left alone they would all fill up, and rehash, in the same
    /// merge (1.1 M entries: 64 rehashes of 14,000 entries in one slice, 35 ms). Staggered,
    /// the shards double one after another as the list grows by half.
    fn grow_early(&mut self, seed: &foldhash::fast::RandomState) {
        let cap = self.index.capacity();
        if cap >= EARLY_FROM && self.index.len() * 128 >= cap * (64 + usize::from(self.k)) {
            let Shard { index, bytes, .. } = self;
            index.reserve(cap + 1 - index.len(), |&o| seed.hash_one(bytes.id(o)));
        }
    }

    /// Adds an id known to be absent.
    fn push(&mut self, id: &str, h: u64, time: f64, seed: &foldhash::fast::RandomState) -> Result<()> {
        let full = || Error::options("the revocation list is full (4 GiB of ids in a shard, or an id over 65535 bytes)");
        let at = self.bytes.push(id.as_bytes(), time).ok_or_else(full)?;
        self.grow_early(seed);
        let Shard { index, bytes, .. } = self;
        // Growing rehashes from the records (the table keeps no hash: 4 bytes a bucket less).
        index.insert_unique(h, at, |&o| seed.hash_one(bytes.id(o)));
        Ok(())
    }

    fn iter(&self) -> impl Iterator<Item = (&str, f64)> + '_ {
        self.bytes.records().map(move |at| {
            // Only whole &str are ever stored.
            (std::str::from_utf8(self.bytes.id(at)).unwrap_or_default(), self.bytes.time(at))
        })
    }
}

/// Lookups and single changes: one hash, one probe.
impl IdTable {
    fn with_seed(seed: foldhash::fast::RandomState) -> IdTable {
        IdTable { shards: (0..SHARDS as u8).map(|k| Shard { k, ..Shard::default() }).collect(), len: 0, seed }
    }

    fn hash(&self, id: &[u8]) -> u64 {
        self.seed.hash_one(id)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline(always)]
    pub fn get(&self, id: &str) -> Option<f64> {
        if self.len == 0 {
            return None;
        }
        let h = self.hash(id.as_bytes());
        let shard = &self.shards[shard_of(h)];
        shard.position(id.as_bytes(), h).map(|at| shard.bytes.time(at))
    }

    /// Keeps the later of `time` and the time `id` has (adding it when absent): one hash,
    /// one probe.
    pub fn raise(&mut self, id: &str, time: f64) -> Result<Raised> {
        let h = self.hash(id.as_bytes());
        let shard = &mut self.shards[shard_of(h)];
        if let Some(at) = shard.position(id.as_bytes(), h) {
            if shard.bytes.time(at) >= time {
                return Ok(Raised::Unchanged);
            }
            shard.bytes.set_time(at, time);
            return Ok(Raised::Stricter);
        }
        shard.push(id, h, time, &self.seed)?;
        self.len += 1;
        Ok(Raised::Added)
    }

    /// Sets the time of `id`, adding it when absent.
    pub fn insert(&mut self, id: &str, time: f64) -> Result<()> {
        let h = self.hash(id.as_bytes());
        let shard = &mut self.shards[shard_of(h)];
        if let Some(at) = shard.position(id.as_bytes(), h) {
            shard.bytes.set_time(at, time);
            return Ok(());
        }
        shard.push(id, h, time, &self.seed)?;
        self.len += 1;
        Ok(())
    }

}

/// Passes over every entry.
impl IdTable {
    /// Keeps the entries whose time passes `keep`; rebuilds (and so compacts) each shard
    /// that drops any. O(n).
    pub fn retain(&mut self, keep: impl Fn(f64) -> bool) -> usize {
        let mut dropped = 0;
        for k in 0..self.shards.len() {
            let shard = &self.shards[k];
            let gone = shard.bytes.records().filter(|&at| !keep(shard.bytes.time(at))).count();
            if gone == 0 {
                continue;
            }
            let old = std::mem::take(&mut self.shards[k]);
            let kept = old.index.len() - gone;
            let mut next = Shard { index: HashTable::with_capacity(kept), bytes: Arena::default(), k: old.k };
            for (id, time) in old.iter() {
                if keep(time) {
                    // Ids of a shard are unique and fit: cannot fail.
                    let _ = next.push(id, self.hash(id.as_bytes()), time, &self.seed);
                }
            }
            self.shards[k] = next;
            dropped += gone;
        }
        self.len -= dropped;
        dropped
    }

    /// Every (id, time).
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> + '_ {
        self.shards.iter().flat_map(|s| s.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_get_retain() {
        let mut t = IdTable::default();
        for i in 0..10_000 {
            t.insert(&format!("id-{i}"), i as f64).unwrap();
        }
        assert_eq!(t.len(), 10_000);
        assert_eq!(t.get("id-42"), Some(42.0));
        assert_eq!(t.get("id-10000"), None);
        t.insert("id-42", 9999.5).unwrap();
        assert_eq!((t.get("id-42"), t.len()), (Some(9999.5), 10_000));
        t.insert("id-1", 7.0).unwrap();
        assert_eq!(t.get("id-1"), Some(7.0));
        assert_eq!(t.retain(|time| time >= 5000.0), 4999);
        assert_eq!(t.len(), 5001);
        assert_eq!(t.get("id-4999"), None);
        assert_eq!(t.get("id-5000"), Some(5000.0));
        assert_eq!(t.get("id-42"), Some(9999.5));
        let mut ids: Vec<&str> = t.iter().map(|(id, _)| id).collect();
        ids.sort();
        assert_eq!(ids.len(), 5001);
        assert_eq!(t.retain(|_| true), 0);
        t.retain(|_| false);
        assert!(t.is_empty() && t.get("id-5000").is_none());
        t.insert("é", 1.0).unwrap();
        assert_eq!(t.iter().collect::<Vec<_>>(), vec![("é", 1.0)]);
    }

    #[test]
    fn shards_double_one_after_another() {
        // Ids spread evenly over the shards: without the staggering every shard doubled its
        // table within the same 10,000 inserts (64 rehashes in one merge slice).
        let mut t = IdTable::default();
        let capacities = |t: &IdTable| t.shards.iter().map(|s| s.index.capacity()).collect::<Vec<_>>();
        let mut before = capacities(&t);
        let mut most = 0;
        for slice in 0..40 {
            for i in slice * 10_000..(slice + 1) * 10_000 {
                t.insert(&format!("id-{i}"), 1.0).unwrap();
            }
            let now = capacities(&t);
            // Past 70,000 ids every table is over EARLY_FROM (the small ones double when full).
            if slice >= 7 {
                most = most.max(now.iter().zip(&before).filter(|(a, b)| a != b).count());
            }
            before = now;
        }
        assert!(most > 0 && most <= 24, "{most} shards doubled within one slice of 10,000 ids");
        assert_eq!((t.len(), t.get("id-399999"), t.get("id-400000")), (400_000, Some(1.0), None));
    }

    #[test]
    fn raise_keeps_the_later_time() {
        let mut t = IdTable::default();
        assert_eq!(t.raise("a", 10.0).unwrap(), Raised::Added);
        assert_eq!(t.raise("a", 5.0).unwrap(), Raised::Unchanged);
        assert_eq!(t.raise("a", 10.0).unwrap(), Raised::Unchanged);
        assert_eq!(t.raise("a", 11.5).unwrap(), Raised::Stricter);
        assert_eq!((t.get("a"), t.len()), (Some(11.5), 1));
        // Ids of every length up to the list's limit, growing every shard several times.
        for i in 0..50_000usize {
            let id = "x".repeat(1 + i % 1024) + &i.to_string();
            assert_eq!(t.raise(&id, i as f64).unwrap(), Raised::Added);
        }
        for i in (0..50_000usize).step_by(997) {
            let id = "x".repeat(1 + i % 1024) + &i.to_string();
            assert_eq!(t.get(&id), Some(i as f64));
        }
        assert_eq!(t.len(), 50_001);
        assert!(t.raise(&"y".repeat(70_000), 1.0).is_err());
        assert_eq!(t.len(), 50_001);
    }
}
