//! Reading the handshake functions' arguments: handshake fields, the caller's Origin verdict,
//! header values, and the kind-coded claims text they answer.

use napi::{Env, JsValue, Unknown, ValueType};

use crate::node::args::type_name;
use crate::node::errors::to_js;
use crate::node::json;
use crate::error::Error as CoreError;
use crate::handshake::{Field, Kind};

pub(super) fn to_field<'a>(s: &'a Option<String>, bad: Option<&'static str>) -> Field<'a> {
    match (s, bad) {
        (Some(s), _) => Field::Str(s.as_str()),
        (None, Some(t)) => Field::NotString(t),
        (None, None) => Field::Absent,
    }
}

/// `originAllowed`: undefined/null (the rule decides) or a boolean.
pub(super) fn verdict_arg(env: &Env, origin_allowed: &Option<Unknown>) -> napi::Result<Option<bool>> {
    match origin_allowed {
        None => Ok(None),
        Some(v) => match v.get_type()? {
            ValueType::Undefined | ValueType::Null => Ok(None),
            // SAFETY: the type was just checked.
            ValueType::Boolean => Ok(Some(unsafe { v.cast::<bool>() }?)),
            t => Err(to_js(env, CoreError::options(format!("originAllowed must be a boolean, got {}", type_name(t))))),
        },
    }
}

/// A handshake field's value, as `args::field` reads it from its object.
pub(super) fn field_value(v: &Unknown<'_>) -> napi::Result<(Option<String>, Option<&'static str>)> {
    match v.get_type()? {
        ValueType::Undefined | ValueType::Null => Ok((None, None)),
        // SAFETY: the type was just checked.
        ValueType::String => Ok((Some(unsafe { v.cast::<String>() }?), None)),
        ValueType::Object if v.is_array()? => Ok((None, Some("array"))),
        t => Ok((None, Some(type_name(t)))),
    }
}

/// Whether the request came over TLS (for the Origin rule): only `true` says so.
pub(super) fn secure_value(v: &Unknown<'_>) -> napi::Result<bool> {
    match v.get_type()? {
        // SAFETY: the type was just checked.
        ValueType::Boolean => unsafe { v.cast::<bool>() },
        _ => Ok(false),
    }
}

/// A header's value: a string, or nothing (any other type is ignored, as before).
pub(super) fn string_value(v: &Unknown<'_>) -> napi::Result<Option<String>> {
    match v.get_type()? {
        // SAFETY: the type was just checked.
        ValueType::String => Ok(Some(unsafe { v.cast::<String>() }?)),
        _ => Ok(None),
    }
}

/// Claims as JSON text with the kind coded in a leading white-space character (none or a
/// space: a JWT; a tab: an Auth.js session; a line feed: a Better Auth session), as the JS
/// wrapper's `kindOf` reads it.
pub(super) fn kind_text<'e>(env: &'e Env, kind: Kind, json: &[u8]) -> napi::Result<napi::JsString<'e>> {
    match kind {
        Kind::Jwt => json::kind_text(env, true, json),
        Kind::AuthJs => json::kind_text(env, false, json),
        Kind::BetterAuth => json::text(env, b"\n", json),
    }
}
