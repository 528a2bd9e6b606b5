//! A compact id -> time table for the revocation list: every id's bytes live in one arena,
//! the hash table holds only u32 indices into a vector of slots (arena offset, length,
//! time). About 12 bytes of slot plus 9 to 18 of table per entry, plus the id itself,
//! instead of a boxed string and a map entry each (issue 21: <= 80 bytes per entry with
//! the ids kept). Hashed with foldhash under a random seed per table (the ids come from
//! tokens, so their hashes must not be predictable).

use std::hash::BuildHasher;

use hashbrown::HashTable;

use crate::error::{Error, Result};

/// One entry: where its id starts in the arena (it ends where the next one starts: ids
/// are appended in slot order and only `retain` removes, by rebuilding), and its time as
/// the two halves of an f64 (12 bytes, not 16).
#[derive(Clone, Copy)]
struct Slot {
    start: u32,
    time: [u32; 2],
}

impl Slot {
    fn time(&self) -> f64 {
        f64::from_bits(((self.time[1] as u64) << 32) | self.time[0] as u64)
    }
    fn set_time(&mut self, t: f64) {
        let b = t.to_bits();
        self.time = [b as u32, (b >> 32) as u32];
    }
}

/// Ids are spread over this many shards by their hash, each with its own table, slots and
/// arena: growing one (a rehash, a reallocation of its arena) moves 1/64 of the entries, so
/// a merge slice never pays for a whole-table copy (1.1 M entries: a 35 ms slice became
/// about 1 ms; issue 21: no block of the loop over 20 ms during a load).
const SHARDS: usize = 64;

/// Which shard holds a 32-bit hash: its top bits (the table's own position bits are the
/// low ones, and `wide` spreads every bit to its control bytes).
fn shard_of(h: u32) -> usize {
    (h >> (32 - SHARDS.trailing_zeros())) as usize
}

/// One shard: the table holds (slot, 32-bit hash), so growing rehashes from the table
/// alone, without reading the slots or the arena.
#[derive(Default)]
struct Shard {
    index: HashTable<(u32, u32)>,
    slots: Vec<Slot>,
    bytes: Vec<u8>,
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

/// The table's 64-bit hash of a 32-bit one (an odd multiplier spreads it to the top bits,
/// which hashbrown's control bytes use).
fn wide(h: u32) -> u64 {
    (h as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl Shard {
    fn id_at(&self, i: u32) -> &[u8] {
        let i = i as usize;
        let start = self.slots[i].start as usize;
        let end = self.slots.get(i + 1).map_or(self.bytes.len(), |s| s.start as usize);
        &self.bytes[start..end]
    }

    fn position(&self, id: &[u8], h: u32) -> Option<u32> {
        self.index.find(wide(h), |&(i, hi)| hi == h && self.id_at(i) == id).map(|&(i, _)| i)
    }

    /// Adds an id known to be absent.
    fn push(&mut self, id: &str, h: u32, time: f64) -> Result<()> {
        let full = || Error::options("the revocation list is full (4 GiB of ids or 4 billion entries in a shard)");
        let start = u32::try_from(self.bytes.len()).map_err(|_| full())?;
        let len = u32::try_from(id.len()).map_err(|_| full())?;
        start.checked_add(len).ok_or_else(full)?;
        let i = u32::try_from(self.slots.len()).map_err(|_| full())?;
        self.bytes.extend_from_slice(id.as_bytes());
        let mut slot = Slot { start, time: [0, 0] };
        slot.set_time(time);
        self.slots.push(slot);
        self.index.insert_unique(wide(h), (i, h), |&(_, h)| wide(h));
        Ok(())
    }

    fn iter(&self) -> impl Iterator<Item = (&str, f64)> + '_ {
        (0..self.slots.len() as u32).map(move |i| {
            // Only whole &str are ever stored.
            (std::str::from_utf8(self.id_at(i)).unwrap_or_default(), self.slots[i as usize].time())
        })
    }
}

impl IdTable {
    fn with_seed(seed: foldhash::fast::RandomState) -> IdTable {
        IdTable { shards: (0..SHARDS).map(|_| Shard::default()).collect(), len: 0, seed }
    }

    fn hash(&self, id: &[u8]) -> u32 {
        self.seed.hash_one(id) as u32
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, id: &str) -> Option<f64> {
        let h = self.hash(id.as_bytes());
        let shard = &self.shards[shard_of(h)];
        shard.position(id.as_bytes(), h).map(|i| shard.slots[i as usize].time())
    }

    /// Sets the time of `id`, adding it when absent.
    pub fn insert(&mut self, id: &str, time: f64) -> Result<()> {
        let h = self.hash(id.as_bytes());
        let shard = &mut self.shards[shard_of(h)];
        if let Some(i) = shard.position(id.as_bytes(), h) {
            shard.slots[i as usize].set_time(time);
            return Ok(());
        }
        shard.push(id, h, time)?;
        self.len += 1;
        Ok(())
    }

    /// Keeps the entries whose time passes `keep`; rebuilds (and so compacts) each shard
    /// that drops any. O(n).
    pub fn retain(&mut self, keep: impl Fn(f64) -> bool) -> usize {
        let mut dropped = 0;
        for k in 0..self.shards.len() {
            let gone = self.shards[k].slots.iter().filter(|s| !keep(s.time())).count();
            if gone == 0 {
                continue;
            }
            let old = std::mem::take(&mut self.shards[k]);
            let mut next = Shard::default();
            next.slots.reserve(old.slots.len() - gone);
            for (id, time) in old.iter() {
                if keep(time) {
                    // Ids of a shard are unique and fit: cannot fail.
                    let _ = next.push(id, self.hash(id.as_bytes()), time);
                }
            }
            next.bytes.shrink_to_fit();
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
}
