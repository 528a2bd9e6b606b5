//! Core errors to JS errors, argument checks, and the panic guard every export uses.

use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::*;
use napi::{Env, Status, Unknown, ValueType};

use crate::error::{Error as CoreError, ErrorCode};

/// A JS `Error` with `code` (and `claim` for claim errors), returned as a napi error
/// that rethrows this exact object.
pub fn to_js(env: &Env, e: CoreError) -> napi::Error {
    to_js_with(env, e, &[])
}

/// As `to_js`, with extra properties (null when None).
pub fn to_js_with(env: &Env, e: CoreError, extra: &[(&str, Option<&str>)]) -> napi::Error {
    let build = || -> napi::Result<Object<'_>> {
        let mut obj = env.create_error(napi::Error::new(Status::GenericFailure, e.message.clone()))?;
        obj.set_named_property("code", e.code.as_str())?;
        if let Some(claim) = &e.claim {
            obj.set_named_property("claim", claim.as_str())?;
        }
        if e.code.retryable() {
            obj.set_named_property("retryable", true)?;
        }
        for (name, value) in extra {
            match value {
                Some(v) => obj.set_named_property(name, *v)?,
                None => obj.set_named_property(name, Null)?,
            }
        }
        Ok(obj)
    };
    match build() {
        Ok(obj) => napi::Error::from(obj.to_unknown()),
        Err(_) => napi::Error::new(Status::GenericFailure, format!("{}: {}", e.code, e.message)),
    }
}

/// Runs `f`, turning a core error into a JS error and a panic into ERR_INTERNAL:
/// no panic ever unwinds into Node.
pub fn guard<T>(env: &Env, f: impl FnOnce() -> crate::Result<T>) -> napi::Result<T> {
    quiet_panics();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_js(env, e)),
        Err(_) => Err(to_js(env, CoreError::new(ErrorCode::Internal, "internal error (a bug in authbridge: please report it)"))),
    }
}

/// Replaces the default panic hook, whose message can quote its input (a token), with
/// one that says only where the panic happened.
pub fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
            eprintln!("authbridge: internal error (panic){at}; the call failed with ERR_INTERNAL");
        }));
    });
}

pub fn type_name(t: ValueType) -> &'static str {
    match t {
        ValueType::Undefined => "undefined",
        ValueType::Null => "null",
        ValueType::Boolean => "boolean",
        ValueType::Number => "number",
        ValueType::String => "string",
        ValueType::Symbol => "symbol",
        ValueType::Object => "object",
        ValueType::Function => "function",
        ValueType::External => "external",
        ValueType::BigInt => "bigint",
        _ => "unknown",
    }
}

/// A token argument: a string, or ERR_TOKEN_MALFORMED naming what was passed.
pub fn token_arg(env: &Env, v: &Unknown<'_>) -> napi::Result<String> {
    let t = v.get_type()?;
    if t != ValueType::String {
        return Err(to_js(env, CoreError::malformed(format!("the token must be a string, got {}", type_name(t)))));
    }
    // SAFETY: the value was just checked to be a string.
    unsafe { v.cast::<String>() }
}

/// Converts an options object into its #[napi(object)] struct; a missing object or a
/// field of the wrong type is ERR_INVALID_OPTIONS with napi's description.
pub fn options_arg<T: FromNapiValue>(env: &Env, v: &Unknown<'_>, what: &str) -> napi::Result<T> {
    let t = v.get_type()?;
    if t != ValueType::Object {
        return Err(to_js(env, CoreError::options(format!("{what} must be an object, got {}", type_name(t)))));
    }
    // SAFETY: from_napi_value checks each field's type and returns an error on mismatch.
    unsafe { v.cast::<T>() }.map_err(|e| to_js(env, CoreError::options(format!("{what}: {}", conversion_problem(&e.reason)))))
}

/// napi's conversion messages quote the offending value (which may be a token or a
/// secret): keep only which field was wrong.
fn conversion_problem(reason: &str) -> String {
    if let Some(rest) = reason.strip_prefix("Missing field `") {
        let field = rest.split('`').next().unwrap_or("");
        return format!("missing field {}", crate::util::printable(field, 40));
    }
    match reason.rsplit_once(" on ") {
        Some((_, place)) if place.len() < 80 && !place.contains(' ') => {
            let field = place.rsplit('.').next().unwrap_or(place);
            format!("{} has the wrong type", crate::util::printable(field, 40))
        }
        _ => "a field has the wrong type".to_string(),
    }
}

pub fn string_or_list(v: Option<Either<String, Vec<String>>>) -> Option<Vec<String>> {
    v.map(|e| match e {
        Either::A(s) => vec![s],
        Either::B(list) => list,
    })
}

/// A JSON argument (claims, a JWK Set): `what` must be an object (or, with `string_ok`, a
/// string, returned as a JSON string value). Anything else, and values that JSON cannot
/// hold, are ERR_INVALID_OPTIONS naming the argument, never napi's InvalidArg.
pub fn json_value_arg(env: &Env, v: &Unknown<'_>, what: &str, string_ok: bool) -> napi::Result<serde_json::Value> {
    let t = v.get_type()?;
    let ok = match t {
        ValueType::Object => !v.is_array()? || string_ok,
        ValueType::String => string_ok,
        _ => false,
    };
    if !ok {
        let got = if t == ValueType::Object { "an array" } else { type_name(t) };
        let want = if string_ok { "an object or a JSON string" } else { "a plain object" };
        return Err(to_js(env, CoreError::options(format!("{what} must be {want}, got {got}"))));
    }
    // SAFETY: the conversion checks every member and fails cleanly.
    unsafe { v.cast::<serde_json::Value>() }
        .map_err(|_| to_js(env, CoreError::options(format!("{what} holds a value JSON cannot represent (a BigInt, a function, a symbol or a cycle)"))))
}
