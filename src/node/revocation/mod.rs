//! The RevocationList class: the core list behind an `Arc` that verifiers share, plus
//! 'change' listeners called synchronously after every change.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::{Env, Unknown, ValueType};
use napi_derive::napi;

use super::args::clock;
use super::errors::{guard, to_js};
use crate::error::Error as CoreError;
use crate::revocation::{self as core, TokenIds};

mod args;
mod types;

use args::{array_json, entries_arg, id_arg, id_prop, number_prop, time_arg, PairText};
use types::js_entry;
pub use types::*;

type Listener = Rc<FunctionRef<RevocationChange, Unknown<'static>>>;

/// Revoked token ids and subjects, in memory; every check is synchronous. Give it to
/// JwtVerifier, AuthJsSession or HandshakeAuthenticator as `revocation`.
#[napi]
pub struct RevocationList {
    pub(crate) inner: Arc<core::RevocationList>,
    now: Option<FunctionRef<(), f64>>,
    listeners: RefCell<Vec<Listener>>,
}

/// A `revocation` option: the core list of a RevocationList instance.
pub struct RevocationRef(pub Arc<core::RevocationList>);

impl TypeName for RevocationRef {
    fn type_name() -> &'static str {
        "RevocationList"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ValidateNapiValue for RevocationRef {}

impl FromNapiValue for RevocationRef {
    unsafe fn from_napi_value(env: napi::sys::napi_env, v: napi::sys::napi_value) -> napi::Result<Self> {
        // SAFETY: ClassInstance checks (by type tag) that the object wraps a RevocationList.
        let list = unsafe { ClassInstance::<RevocationList>::from_napi_value(env, v) }
            .map_err(|_| napi::Error::new(Status::InvalidArg, "revocation must be a RevocationList on revocation"))?;
        Ok(RevocationRef(list.inner.clone()))
    }
}

impl RevocationList {
    fn now(&self, env: &Env) -> napi::Result<f64> {
        clock(env, &self.now)
    }

    /// The one 'merge' change of a merge that added or made something stricter.
    fn emit_merged(&self, env: &Env, merged: &crate::revocation::Merged) -> napi::Result<()> {
        if merged.added + merged.stricter == 0 {
            return Ok(());
        }
        let version = self.version_f64();
        self.emit(env, || RevocationChange {
            entries: Some(merged.changed.entries.iter().map(js_entry).collect()),
            overflow: Some(merged.changed.overflow),
            ..RevocationChange::of("merge", version)
        })
    }

    fn emit(&self, env: &Env, change: impl Fn() -> RevocationChange) -> napi::Result<()> {
        let listeners: Vec<Listener> = self.listeners.borrow().clone();
        for l in listeners {
            l.borrow_back(env)?.call(change())?;
        }
        Ok(())
    }

    /// The ids of a claims object (`Err` when a jti/sub cannot be an id); None when
    /// nothing can be refused (the list is empty and not stale), without reading the object.
    fn claims_ids(&self, env: &Env, claims: &Unknown<'_>, options: Option<&RevocationCheckOptions>) -> napi::Result<Option<std::result::Result<TokenIds, CoreError>>> {
        if claims.get_type()? != ValueType::Object {
            return Err(to_js(env, CoreError::options("claims must be an object")));
        }
        let session = match options.and_then(|o| o.kind.as_deref()) {
            None | Some("jwt") => false,
            Some("authjs") => true,
            Some(_) => return Err(to_js(env, CoreError::options("kind must be 'jwt' or 'authjs'"))),
        };
        if !self.inner.consulted() {
            return Ok(None);
        }
        // SAFETY: checked to be an object.
        let obj: Object = unsafe { claims.cast() }?;
        let (jti, sub) = (id_prop(&obj, "jti")?, id_prop(&obj, "sub")?);
        let (jti, sub) = match (jti, sub) {
            (Ok(j), Ok(s)) => (j, s),
            (Err(e), _) | (_, Err(e)) => return Ok(Some(Err(e))),
        };
        let auth_time = if session { number_prop(&obj, "auth_time")? } else { None };
        Ok(Some(Ok(TokenIds { jti, sub, iat: number_prop(&obj, "iat")?, auth_time, session })))
    }

    /// The code claims would be refused with now, or None.
    fn refusal_code(&self, env: &Env, claims: &Unknown<'_>, options: Option<RevocationCheckOptions>) -> napi::Result<Option<&'static str>> {
        let ids = match self.claims_ids(env, claims, options.as_ref())? {
            None => return Ok(None),
            Some(Err(e)) => return Ok(Some(e.code.as_str())),
            Some(Ok(ids)) => ids,
        };
        let now = self.now(env)?;
        Ok(self.inner.check(&ids, now).err().map(|e| e.code.as_str()))
    }

    fn version_f64(&self) -> f64 {
        self.inner.version() as f64
    }
}

#[napi]
impl RevocationList {
    #[napi(constructor, ts_args_type = "options?: RevocationListOptions")]
    pub fn new(env: Env, options: Option<RevocationListOptions>) -> napi::Result<Self> {
        let (ttl, tolerance, now) = match options {
            Some(o) => (o.subject_ttl, o.clock_tolerance, o.now),
            None => (None, None, None),
        };
        let inner = guard(&env, || core::RevocationList::with_tolerance(ttl, tolerance))?;
        Ok(RevocationList { inner: Arc::new(inner), now, listeners: RefCell::new(Vec::new()) })
    }

    /// Revokes one token by its `jti` until `exp` (seconds since the epoch). `jti` is a
    /// string or an integer (keyed as `revocationKeyOf` says: `1` and `'1'` are one id).
    #[napi(ts_args_type = "jti: string | number, exp: number")]
    pub fn revoke_token(&self, env: Env, jti: Unknown, exp: Unknown) -> napi::Result<()> {
        let jti = id_arg(&env, &jti, "jti")?;
        let exp = time_arg(&env, Some(&exp), "exp")?.ok_or_else(|| to_js(&env, CoreError::options("exp is required (seconds since the epoch)")))?;
        let now = self.now(&env)?;
        if guard(&env, || self.inner.revoke_token(&jti, exp, now))? {
            let version = self.version_f64();
            self.emit(&env, || RevocationChange { jti: Some(jti.clone()), exp: Some(exp), ..RevocationChange::of("token", version) })?;
        }
        Ok(())
    }

    /// Revokes the tokens of `sub` (a string or an integer, as `revokeToken`'s jti) issued
    /// before `before` (seconds; default now). A token without `iat` counts as issued
    /// before; an Auth.js session is ordered by its `auth_time` (see README).
    #[napi(ts_args_type = "sub: string | number, before?: number")]
    pub fn revoke_subject(&self, env: Env, sub: Unknown, before: Option<Unknown>) -> napi::Result<()> {
        let sub = id_arg(&env, &sub, "sub")?;
        let now = self.now(&env)?;
        let before = time_arg(&env, before.as_ref(), "before")?.unwrap_or(now);
        if guard(&env, || self.inner.revoke_subject(&sub, before, now))? {
            let version = self.version_f64();
            self.emit(&env, || RevocationChange { sub: Some(sub.clone()), before: Some(before), ..RevocationChange::of("subject", version) })?;
        }
        Ok(())
    }

    /// Why verified claims would be refused now: 'ERR_TOKEN_REVOKED',
    /// 'ERR_REVOCATION_STALE' (a store lost its sync, onStale 'refuse'),
    /// 'ERR_JWT_CLAIM_INVALID' (a jti or sub that cannot be an id, while the list can refuse
    /// something), or null.
    #[napi(
        ts_args_type = "claims: object, options?: RevocationCheckOptions",
        ts_return_type = "'ERR_TOKEN_REVOKED' | 'ERR_REVOCATION_STALE' | 'ERR_JWT_CLAIM_INVALID' | null"
    )]
    pub fn refusal(&self, env: Env, claims: Unknown, options: Option<RevocationCheckOptions>) -> napi::Result<Option<&'static str>> {
        self.refusal_code(&env, &claims, options)
    }

    /// Refuse every token with ERR_REVOCATION_STALE (true) or stop (false). Used by a store
    /// (authbridge/redis) whose sync is lost for too long with onStale 'refuse'.
    #[napi]
    pub fn set_stale(&self, env: Env, refuse: bool) -> napi::Result<()> {
        if self.inner.set_refuse_all(refuse) {
            let version = self.version_f64();
            let kind = if refuse { "stale" } else { "fresh" };
            self.emit(&env, || RevocationChange::of(kind, version))?;
        }
        Ok(())
    }

    /// Whether every token is refused as stale (see setStale).
    #[napi(getter)]
    pub fn stale(&self) -> bool {
        self.inner.refuses_all()
    }

    /// Whether verified claims would be refused now (see `refusal`).
    #[napi(ts_args_type = "claims: object, options?: RevocationCheckOptions")]
    pub fn is_revoked(&self, env: Env, claims: Unknown, options: Option<RevocationCheckOptions>) -> napi::Result<bool> {
        Ok(self.refusal_code(&env, &claims, options)?.is_some())
    }
}

/// Its listeners.
#[napi]
impl RevocationList {
    /// Calls `listener(change)` after every change. Only 'change' exists.
    #[napi(ts_args_type = "event: 'change', listener: (change: RevocationChange) => void", ts_return_type = "this")]
    pub fn on<'e>(&self, env: Env, this: This<'e>, event: String, listener: FunctionRef<RevocationChange, Unknown<'static>>) -> napi::Result<This<'e>> {
        if event != "change" {
            return Err(to_js(&env, CoreError::options("the only event is 'change'")));
        }
        self.listeners.borrow_mut().push(Rc::new(listener));
        Ok(this)
    }

    /// Removes a listener added with `on`.
    #[napi(ts_args_type = "event: 'change', listener: (change: RevocationChange) => void", ts_return_type = "this")]
    pub fn off<'e>(&self, env: Env, this: This<'e>, event: String, listener: Unknown<'e>) -> napi::Result<This<'e>> {
        if event != "change" {
            return Ok(this);
        }
        let mut found = None;
        for (i, l) in self.listeners.borrow().iter().enumerate() {
            if env.strict_equals(l.borrow_back(&env)?.to_unknown(), listener)? {
                found = Some(i);
            }
        }
        if let Some(i) = found {
            self.listeners.borrow_mut().remove(i);
        }
        Ok(this)
    }
}

/// Loading and merging what a store holds, and pruning.
#[napi]
impl RevocationList {
    /// Replaces every entry (a full reload from a store); entries already past their
    /// lifetime are left out. All or nothing: on error nothing changes. Emits 'reload' with
    /// the entries added or made stricter compared with before.
    #[napi(ts_args_type = "entries: RevocationEntryInput[]")]
    pub fn replace(&self, env: Env, entries: Unknown) -> napi::Result<()> {
        let now = self.now(&env)?;
        let list = entries_arg(&env, &entries)?;
        let changed = guard(&env, || self.inner.replace(&list, now))?;
        let version = self.version_f64();
        self.emit(&env, || RevocationChange {
            entries: Some(changed.entries.iter().map(js_entry).collect()),
            overflow: Some(changed.overflow),
            ..RevocationChange::of("reload", version)
        })
    }

    /// Adds entries, keeping per id the stricter (the later exp / before); never removes
    /// anything. All or nothing: on error nothing changes. Entries past their lifetime are
    /// left out. When something changed, emits ONE 'merge' change listing the entries added
    /// or made stricter (at most 1024; `overflow: true` and no entries when more).
    #[napi(ts_args_type = "entries: RevocationEntryInput[]")]
    pub fn merge(&self, env: Env, entries: Unknown) -> napi::Result<RevocationMerged> {
        let now = self.now(&env)?;
        let list = entries_arg(&env, &entries)?;
        let merged = guard(&env, || self.inner.merge(&list, now))?;
        self.emit_merged(&env, &merged)?;
        Ok(RevocationMerged { added: merged.added as u32, stricter: merged.stricter as u32 })
    }

    /// Internal (authbridge/redis's load): `merge` from a store's answer as it comes,
    /// `pairs` = [id, time text, id, time text, ...] of one kind ('jti': exp, 'sub': before),
    /// as a Redis sorted set answers ZRANGE WITHSCORES. A pair whose id is not its own key
    /// (`revocationKeyOf(id) === id`) or whose time is not a finite number >= 0 is skipped,
    /// its index returned in `skipped`; the others are merged as `merge` does (one 'merge'
    /// change when something changed). No object per entry is built on either side.
    #[napi(js_name = "_mergePairs", ts_args_type = "kind: 'jti' | 'sub', pairs: string[]")]
    pub fn merge_pairs(&self, env: Env, kind: String, pairs: Unknown) -> napi::Result<RevocationPairsMerged> {
        let tokens = match kind.as_str() {
            "jti" => true,
            "sub" => false,
            _ => return Err(to_js(&env, CoreError::options("kind must be 'jti' or 'sub'"))),
        };
        let shape = || to_js(&env, CoreError::options("pairs must be an array of strings"));
        let text = array_json(&env, &pairs, shape)?;
        let raw: Vec<PairText> = serde_json::from_str(&text).map_err(|_| shape())?;
        let now = self.now(&env)?;
        let (merged, skipped) = guard(&env, || self.inner.merge_pairs(tokens, &raw, now))?;
        self.emit_merged(&env, &merged)?;
        Ok(RevocationPairsMerged { added: merged.added as u32, stricter: merged.stricter as u32, skipped: skipped.into_iter().map(|k| k as u32).collect() })
    }

    /// Drops entries past their lifetime; returns how many.
    #[napi]
    pub fn prune(&self, env: Env) -> napi::Result<u32> {
        let now = self.now(&env)?;
        let n = self.inner.prune(now);
        if n > 0 {
            let version = self.version_f64();
            self.emit(&env, || RevocationChange::of("prune", version))?;
        }
        Ok(n as u32)
    }
}

/// What it holds, and its settings.
#[napi]
impl RevocationList {
    /// Every entry.
    #[napi]
    pub fn entries(&self) -> Vec<RevocationEntry> {
        self.inner.entries().iter().map(js_entry).collect()
    }

    /// How many entries of each kind.
    #[napi]
    pub fn size(&self) -> RevocationSize {
        let (t, s) = self.inner.len();
        RevocationSize { tokens: t as u32, subjects: s as u32 }
    }

    /// Moves on every change.
    #[napi(getter)]
    pub fn version(&self) -> f64 {
        self.version_f64()
    }

    /// Seconds a revoked subject's token time may be ahead of the clock.
    #[napi(getter)]
    pub fn clock_tolerance(&self) -> f64 {
        self.inner.clock_tolerance()
    }

    /// Seconds a subject entry lives after its `before`.
    #[napi(getter)]
    pub fn subject_ttl(&self) -> f64 {
        self.inner.subject_ttl()
    }
}
