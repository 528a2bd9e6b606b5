//! A compact id -> time table for the revocation list: every id's bytes live in one arena,
//! the hash table holds only u32 indices into a vector of slots (arena offset, length,
//! time). About 16 bytes of slot plus 5 to 10 of table per entry, plus the id itself,
//! instead of a boxed string and a map entry each (issue 21: <= 80 bytes per entry with
//! the ids kept). Hashed with foldhash under a random seed per table (the ids come from
//! tokens, so their hashes must not be predictable).

use std::hash::BuildHasher;

use hashbrown::HashTable;

use crate::error::{Error, Result};

#[derive(Clone, Copy)]
struct Slot {
    start: u32,
    len: u32,
    time: f64,
}

pub struct IdTable {
    index: HashTable<u32>,
    slots: Vec<Slot>,
    bytes: Vec<u8>,
    seed: foldhash::fast::RandomState,
}

impl Default for IdTable {
    fn default() -> Self {
        IdTable { index: HashTable::new(), slots: Vec::new(), bytes: Vec::new(), seed: foldhash::fast::RandomState::default() }
    }
}

impl IdTable {
    fn hash(&self, id: &[u8]) -> u64 {
        self.seed.hash_one(id)
    }

    fn id_of<'a>(slots: &[Slot], bytes: &'a [u8], i: u32) -> &'a [u8] {
        let s = slots[i as usize];
        &bytes[s.start as usize..(s.start + s.len) as usize]
    }

    fn position(&self, id: &str) -> Option<u32> {
        let (slots, bytes) = (&self.slots, &self.bytes);
        self.index.find(self.hash(id.as_bytes()), |&i| Self::id_of(slots, bytes, i) == id.as_bytes()).copied()
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<f64> {
        self.position(id).map(|i| self.slots[i as usize].time)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut f64> {
        self.position(id).map(move |i| &mut self.slots[i as usize].time)
    }

    /// Inserts a new id (the caller checked it is absent), or sets the time of a present one.
    pub fn insert(&mut self, id: &str, time: f64) -> Result<()> {
        if let Some(t) = self.get_mut(id) {
            *t = time;
            return Ok(());
        }
        let full = || Error::options("the revocation list is full (4 GiB of ids or 4 billion entries)");
        let start = u32::try_from(self.bytes.len()).map_err(|_| full())?;
        let len = u32::try_from(id.len()).map_err(|_| full())?;
        start.checked_add(len).ok_or_else(full)?;
        let i = u32::try_from(self.slots.len()).map_err(|_| full())?;
        self.bytes.extend_from_slice(id.as_bytes());
        self.slots.push(Slot { start, len, time });
        let hash = self.hash(id.as_bytes());
        let (slots, bytes, seed) = (&self.slots, &self.bytes, &self.seed);
        self.index.insert_unique(hash, i, |&j| seed.hash_one(Self::id_of(slots, bytes, j)));
        Ok(())
    }

    /// Keeps the entries whose time passes `keep`; rebuilds (and so compacts) the table
    /// when any is dropped. O(n).
    pub fn retain(&mut self, keep: impl Fn(f64) -> bool) -> usize {
        let dropped = self.slots.iter().filter(|s| !keep(s.time)).count();
        if dropped == 0 {
            return 0;
        }
        let old = std::mem::take(self);
        let mut next = IdTable { seed: old.seed.clone(), ..IdTable::default() };
        next.slots.reserve(old.slots.len() - dropped);
        next.index.reserve(old.slots.len() - dropped, |_| 0);
        for (id, time) in old.iter() {
            if keep(time) {
                // Ids of a table are unique and fit: cannot fail.
                let _ = next.insert(id, time);
            }
        }
        next.bytes.shrink_to_fit();
        *self = next;
        dropped
    }

    /// Every (id, time).
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> + '_ {
        self.slots.iter().map(move |s| {
            let b = &self.bytes[s.start as usize..(s.start + s.len) as usize];
            // Only whole &str are ever stored.
            (std::str::from_utf8(b).unwrap_or_default(), s.time)
        })
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
        *t.get_mut("id-1").unwrap() = 7.0;
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
