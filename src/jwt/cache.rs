//! An opt-in cache of verified tokens (`cache` option), as fast-jwt offers: a token seen
//! and verified before skips signature and claim parsing; its clock checks (exp, nbf,
//! maxAge) run again on every hit. Only successes are kept; the cache is bounded, and
//! it is emptied when the keys change.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::claims::Times;
use crate::token::Header;

pub struct Entry {
    pub header: Arc<Header>,
    pub json: Arc<[u8]>,
    pub times: Times,
    /// jti, sub and iat, kept when a revocation list is set: a hit is checked again.
    pub ids: Option<crate::revocation::TokenIds>,
}

pub struct VerifyCache {
    capacity: usize,
    map: Mutex<HashMap<Box<str>, Arc<Entry>>>,
}

impl VerifyCache {
    pub fn new(capacity: usize) -> VerifyCache {
        VerifyCache { capacity, map: Mutex::new(HashMap::with_capacity(capacity.min(4096))) }
    }

    pub fn get(&self, token: &str) -> Option<Arc<Entry>> {
        self.map.lock().ok()?.get(token).cloned()
    }

    pub fn put(&self, token: &str, entry: Entry) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= self.capacity {
                // Bounded, not LRU: drop an arbitrary entry (HashMap order is randomized).
                if let Some(k) = map.keys().next().cloned() {
                    map.remove(&k);
                }
            }
            map.insert(token.into(), Arc::new(entry));
        }
    }

    pub fn clear(&self) {
        if let Ok(mut map) = self.map.lock() {
            map.clear();
        }
    }
}
