//! The handles the hot functions take (`_jwtVerifyText`, `_handshake*`, `_authjsDecodeText`):
//! a number the JS wrapper keeps per instance, naming the instance's core in a per-thread
//! table. Looking a number up costs a bounds check; an `External` argument costs napi-rs a
//! process-wide mutex, a hash lookup and borrow bookkeeping on every call.
//!
//! A handle is `generation * 2^24 + slot`: a slot is reused once its instance is collected,
//! with the next generation, so a stale number names nothing (ERR_INVALID_OPTIONS) rather
//! than another instance. Each JS thread (worker) has its own table, as it has its own
//! instances.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use napi::Env;

use super::authjs::SessionCore;
use super::betterauth::BetterAuthCore;
use super::errors::to_js;
use super::handshake::HandshakeCore;
use super::jwt::VerifierCore;
use crate::error::Error as CoreError;

/// The core of one instance.
#[derive(Clone)]
pub enum Core {
    Jwt(Arc<VerifierCore>),
    Handshake(Arc<HandshakeCore>),
    Session(Arc<SessionCore>),
    BetterAuth(Arc<BetterAuthCore>),
}

const SLOT_BITS: u32 = 24;
const SLOT_MASK: u64 = (1 << SLOT_BITS) - 1;
const GENERATION_BITS: u32 = 27;
/// Added to a HandshakeAuthenticator's handle: its direct calls (see the module's comment).
pub const DIRECT: f64 = (1u64 << (SLOT_BITS + GENERATION_BITS)) as f64;

#[derive(Default)]
struct Table {
    slots: Vec<(u32, Option<Core>)>,
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
    pub fn get(&self, core: impl FnOnce() -> Core) -> f64 {
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
            t.slots[slot] = (generation, Some(core()));
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
fn lookup(env: &Env, id: f64, what: &str) -> napi::Result<Core> {
    let found = if id.is_finite() && id >= 0.0 && id.fract() == 0.0 && id < 9.0e15 {
        let (generation, slot) = ((id as u64 >> SLOT_BITS) as u32, (id as u64 & SLOT_MASK) as usize);
        TABLE.with(|t| match t.try_borrow().ok()?.slots.get(slot) {
            Some((g, Some(core))) if *g == generation => Some(core.clone()),
            _ => None,
        })
    } else {
        None
    };
    found.ok_or_else(|| wrong(env, what))
}

fn wrong(env: &Env, what: &str) -> napi::Error {
    to_js(env, CoreError::options(format!("not a live {what} handle (the number its _handle() returns)")))
}

pub fn jwt(env: &Env, id: f64) -> napi::Result<Arc<VerifierCore>> {
    match lookup(env, id, "JwtVerifier")? {
        Core::Jwt(c) => Ok(c),
        _ => Err(wrong(env, "JwtVerifier")),
    }
}

/// As `jwt`, for a handle that may carry `DIRECT`: the core, and whether it did.
pub fn jwt_direct(env: &Env, id: f64) -> napi::Result<(Arc<VerifierCore>, bool)> {
    if id >= DIRECT {
        Ok((jwt(env, id - DIRECT)?, true))
    } else {
        Ok((jwt(env, id)?, false))
    }
}

pub fn handshake(env: &Env, id: f64) -> napi::Result<Arc<HandshakeCore>> {
    match lookup(env, id, "HandshakeAuthenticator")? {
        Core::Handshake(c) => Ok(c),
        _ => Err(wrong(env, "HandshakeAuthenticator")),
    }
}

/// As `handshake`, for a handle that may carry `DIRECT`: the core, and whether it did.
pub fn handshake_direct(env: &Env, id: f64) -> napi::Result<(Arc<HandshakeCore>, bool)> {
    if id >= DIRECT {
        Ok((handshake(env, id - DIRECT)?, true))
    } else {
        Ok((handshake(env, id)?, false))
    }
}

pub fn session(env: &Env, id: f64) -> napi::Result<Arc<SessionCore>> {
    match lookup(env, id, "AuthJsSession")? {
        Core::Session(c) => Ok(c),
        _ => Err(wrong(env, "AuthJsSession")),
    }
}

pub fn better_auth(env: &Env, id: f64) -> napi::Result<Arc<BetterAuthCore>> {
    match lookup(env, id, "BetterAuthSession")? {
        Core::BetterAuth(c) => Ok(c),
        _ => Err(wrong(env, "BetterAuthSession")),
    }
}
