//! The handles the hot functions take (`_jwtVerifyText`, `_handshake*`, `_authjsDecodeText`):
//! a number the JS wrapper keeps per instance, naming the instance's core in a per-thread
//! table. Looking a number up costs a bounds check; an `External` argument costs napi-rs a
//! process-wide mutex, a hash lookup and borrow bookkeeping on every call.
//!
//! A handle is `generation * 2^24 + slot`: a slot is reused once its instance is collected,
//! with the next generation, so a stale number names nothing (ERR_INVALID_OPTIONS) rather
//! than another instance. Each JS thread (worker) has its own table, as it has its own
//! instances.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::sync::Arc;

use napi::Env;

use super::errors::to_js;
use crate::error::Error as CoreError;

/// What a handle can name: the core of one instance (`VerifierCore`, `HandshakeCore`,
/// `SessionCore`, `BetterAuthCore` implement it beside their classes; the table knows them only by this).
pub trait Core: Any {
    /// The JS class whose `_handle()` gives the number, for the error a wrong one gets.
    const CLASS: &'static str;
}

const SLOT_BITS: u32 = 24;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;
const GENERATION_BITS: u32 = 27;
/// Added to a handle by the class's `_directHandle()`: the public methods' calls, counted
/// natively as 'direct' checks (src/metrics.rs); the integrations use the plain handle.
pub const DIRECT: f64 = (1u64 << (SLOT_BITS + GENERATION_BITS)) as f64;

#[derive(Default)]
struct Table {
    /// (generation, the instance's `Arc<impl Core>`)
    slots: Vec<(u32, Option<Box<dyn Any>>)>,
    free: Vec<usize>,
}

thread_local! {
    static TABLE: RefCell<Table> = RefCell::new(Table::default());
}

/// An instance's handle, registered at its first use; the slot is freed when the instance
/// (and so this value) is dropped.
#[derive(Default)]
pub struct Handle(Cell<Option<f64>>);

impl Handle {
    /// The number for `core` (registered on the first call).
    pub fn get<T: Core>(&self, core: impl FnOnce() -> Arc<T>) -> f64 {
        if let Some(id) = self.0.get() {
            return id;
        }
        let id = TABLE.with(|t| {
            let mut t = t.borrow_mut();
            let slot = match t.free.pop() {
                Some(s) => s,
                None => {
                    t.slots.push((0, None));
                    t.slots.len() - 1
                }
            };
            let generation = t.slots[slot].0.wrapping_add(1) & ((1 << GENERATION_BITS) - 1);
            t.slots[slot] = (generation, Some(Box::new(core())));
            (u64::from(generation) << SLOT_BITS | slot as u64) as f64
        });
        self.0.set(Some(id));
        id
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let Some(id) = self.0.get() else { return };
        // At thread exit the table may be gone, or (never expected) in use: then the slot
        // is left as it is, which is safe.
        let _ = TABLE.try_with(|t| {
            if let Ok(mut t) = t.try_borrow_mut() {
                let slot = (id as u64 & SLOT_MASK) as usize;
                if let Some(entry) = t.slots.get_mut(slot) {
                    entry.1 = None;
                    t.free.push(slot);
                }
            }
        });
    }
}

/// The core a handle names, or ERR_INVALID_OPTIONS (not a number from `_handle()`, its
/// instance is gone, or it names another kind of instance).
pub fn core<T: Core>(env: &Env, id: f64) -> napi::Result<Arc<T>> {
    let found = if id.is_finite() && id >= 0.0 && id.fract() == 0.0 && id < 9.0e15 {
        let (generation, slot) = ((id as u64 >> SLOT_BITS) as u32, (id as u64 & SLOT_MASK) as usize);
        TABLE.with(|t| match t.try_borrow().ok()?.slots.get(slot) {
            Some((g, Some(core))) if *g == generation => core.downcast_ref::<Arc<T>>().cloned(),
            _ => None,
        })
    } else {
        None
    };
    found.ok_or_else(|| to_js(env, CoreError::options(format!("not a live {} handle (the number its _handle() returns)", T::CLASS))))
}

/// As `core`, for a handle that may carry `DIRECT`: the core, and whether it did.
pub fn core_direct<T: Core>(env: &Env, id: f64) -> napi::Result<(Arc<T>, bool)> {
    if id >= DIRECT {
        Ok((core::<T>(env, id - DIRECT)?, true))
    } else {
        Ok((core::<T>(env, id)?, false))
    }
}
