//! Reading RevocationList's arguments: ids by the id rule, times, claims objects, and
//! arrays read as one JSON text; plus `revocationKeyOf`, the id rule exported.

use napi::bindgen_prelude::*;
use napi::{Env, Unknown, ValueType};
use napi_derive::napi;

use super::super::errors::{guard, to_js};
use super::types::RevocationEntryInput;
use crate::error::Error as CoreError;
use crate::revocation::{self as core, Entry};

/// Entries given to `replace` / `merge` (an array), validated, ids by the id rule. Read as
/// one JSON text (`JSON.stringify` called once, then parsed here): one call into JS
/// instead of several napi calls per entry (10,000 entries: about 20 -> 5 ms).
pub(super) fn entries_arg(env: &Env, entries: &Unknown<'_>) -> napi::Result<Vec<Entry>> {
    let shape = || to_js(env, CoreError::options("entries must be an array of { jti, exp } or { sub, before } objects"));
    let text = array_json(env, entries, shape)?;
    let raw: Vec<RevocationEntryInput> = serde_json::from_str(&text).map_err(|_| shape())?;
    guard(env, || raw.into_iter().map(RevocationEntryInput::into_core).collect())
}

/// An array argument as one JSON text (`JSON.stringify` called once): one call into JS
/// instead of several napi calls per element. `shape` is the error for a value that is not
/// an array.
pub(super) fn array_json(env: &Env, value: &Unknown<'_>, shape: impl Fn() -> napi::Error) -> napi::Result<String> {
    if value.get_type()? != ValueType::Object || !value.is_array()? {
        return Err(shape());
    }
    let json: Object = env.get_global()?.get_named_property("JSON")?;
    let stringify: Function<Unknown, Unknown> = json.get_named_property("stringify")?;
    match stringify.call(*value) {
        // SAFETY: the type is checked first.
        Ok(t) if t.get_type()? == ValueType::String => unsafe { t.cast::<String>() },
        Ok(_) => Err(shape()),
        Err(_) => {
            // A BigInt, a cycle: JSON.stringify threw. Clear its exception and answer with ours.
            let mut ignored = std::ptr::null_mut();
            // SAFETY: a plain napi call on this env, with a valid out pointer.
            unsafe { napi::sys::napi_get_and_clear_last_exception(env.raw(), &mut ignored) };
            Err(to_js(env, CoreError::options("entries hold a value JSON cannot represent (a BigInt or a cycle)")))
        }
    }
}

/// One string of `_mergePairs`'s array, borrowed from the JSON text when it has no escape.
#[derive(serde::Deserialize)]
pub(super) struct PairText<'a>(#[serde(borrow)] std::borrow::Cow<'a, str>);

impl AsRef<str> for PairText<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The id rule (`core::number_key` / `core::string_key`) for a JS value.
fn js_key(v: &Unknown<'_>) -> napi::Result<core::IdKey<'static>> {
    Ok(match v.get_type()? {
        ValueType::Undefined => core::IdKey::Absent,
        ValueType::String => {
            // SAFETY: checked to be a string.
            let s: String = unsafe { v.cast::<String>() }?;
            match core::string_key(&s) {
                core::IdKey::Key(_) => core::IdKey::Key(std::borrow::Cow::Owned(s)),
                other => other.into_owned(),
            }
        }
        // SAFETY: checked to be a number.
        ValueType::Number => core::number_key(unsafe { v.cast::<f64>() }?),
        _ => core::IdKey::Invalid,
    })
}

/// A jti/sub member of a claims object by the id rule: ERR_JWT_CLAIM_INVALID when it
/// cannot be an id.
pub(super) fn id_prop(obj: &Object<'_>, name: &str) -> napi::Result<std::result::Result<Option<Box<str>>, CoreError>> {
    let v: Unknown = obj.get_named_property(name)?;
    Ok(match js_key(&v)? {
        core::IdKey::Absent => Ok(None),
        core::IdKey::Key(k) => Ok(Some(k.into())),
        core::IdKey::Invalid => Err(core::invalid_id_claim(name)),
    })
}

pub(super) fn number_prop(obj: &Object<'_>, name: &str) -> napi::Result<Option<f64>> {
    let v: Option<Unknown> = obj.get(name)?;
    match v {
        // SAFETY: the type is checked first.
        Some(v) if v.get_type()? == ValueType::Number => Ok(Some(unsafe { v.cast::<f64>() }?).filter(|x| x.is_finite())),
        _ => Ok(None),
    }
}

/// A revoke method's id argument (string or number) as its key; ERR_INVALID_OPTIONS when
/// it cannot be an id.
pub(super) fn id_arg(env: &Env, v: &Unknown<'_>, what: &str) -> napi::Result<String> {
    match js_key(v)? {
        core::IdKey::Key(k) => Ok(k.into_owned()),
        _ => Err(to_js(
            env,
            CoreError::options(format!("{what} must be a non-empty string of at most {} bytes or an integer of at most 2^53-1", core::MAX_ID_LENGTH)),
        )),
    }
}

/// The revocation key of a `jti` or `sub` value, by the rule every check uses: a string of 1
/// to 1024 bytes is its own key, an integer with |n| <= 2^53-1 its decimal text (`1` and
/// `'1'` are the same id); anything else (an empty or longer string, another number, null,
/// a boolean, an object) is null.
#[napi(ts_args_type = "value: unknown", ts_return_type = "string | null")]
pub fn revocation_key_of(value: Unknown) -> napi::Result<Option<String>> {
    Ok(match js_key(&value)? {
        core::IdKey::Key(k) => Some(k.into_owned()),
        _ => None,
    })
}

pub(super) fn time_arg(env: &Env, v: Option<&Unknown<'_>>, what: &str) -> napi::Result<Option<f64>> {
    let Some(v) = v else { return Ok(None) };
    match v.get_type()? {
        ValueType::Undefined | ValueType::Null => Ok(None),
        // SAFETY: checked to be a number.
        ValueType::Number => Ok(Some(unsafe { v.cast::<f64>() }?)),
        _ => Err(to_js(env, CoreError::options(format!("{what} must be a number of seconds since the epoch")))),
    }
}

