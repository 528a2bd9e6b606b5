//! Arguments from JS: type checks with the error each wrong type gets, options objects
//! into their #[napi(object)] structs, JSON values, and the clock option.

use napi::bindgen_prelude::*;
use napi::{Env, Unknown, ValueType};

use super::errors::to_js;
use crate::error::{Error as CoreError, ErrorCode};
use crate::util::now_seconds;

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
    string_arg(env, v, "the token")
}

/// A string argument that carries a token (a token, a Cookie header): a string, or
/// ERR_TOKEN_MALFORMED saying which argument and what was passed.
pub fn string_arg(env: &Env, v: &Unknown<'_>, what: &str) -> napi::Result<String> {
    let t = v.get_type()?;
    if t != ValueType::String {
        return Err(to_js(env, CoreError::new(ErrorCode::TokenMalformed, format!("{what} must be a string, got {}", type_name(t)))));
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
    unsafe { v.cast::<serde_json::Value>() }.map_err(|_| {
        // Only on this error path: find the member at fault, to name it.
        let mut path = what.to_string();
        let message = match unrepresentable(v, &mut path, 0, false) {
            Ok(Some(value)) => format!("{path} is {value}, which JSON cannot represent"),
            _ => format!("{what} holds a value JSON cannot represent (NaN, Infinity, a function, a symbol or a cycle)"),
        };
        to_js(env, CoreError::options(message))
    })
}

/// The first member of `v` that JSON cannot hold, what it is, and (in `path`) where it is:
/// `claims.a.b`, `claims.list[2]`. Members are named by their keys, quoted when not plain.
fn unrepresentable(v: &Unknown<'_>, path: &mut String, depth: usize, in_array: bool) -> napi::Result<Option<&'static str>> {
    if depth > 64 {
        return Ok(Some("nested more than 64 deep (a cycle?)"));
    }
    match v.get_type()? {
        ValueType::Number => {
            // SAFETY: the type was just checked.
            let n = unsafe { v.cast::<f64>() }?;
            Ok(match n {
                n if n.is_nan() => Some("NaN"),
                n if n.is_infinite() => Some(if n > 0.0 { "Infinity" } else { "-Infinity" }),
                _ => None,
            })
        }
        ValueType::BigInt => Ok(Some("a BigInt")),
        ValueType::Function => Ok(Some("a function")),
        ValueType::Symbol => Ok(Some("a symbol")),
        ValueType::Undefined if in_array => Ok(Some("undefined (in a list)")),
        ValueType::Object if v.is_buffer()? || v.is_typedarray()? => Ok(Some("a Buffer or typed array")),
        ValueType::Object => {
            let array = v.is_array()?;
            // SAFETY: the type was just checked.
            let o: Object = unsafe { v.cast() }?;
            for key in Object::keys(&o)? {
                let Some(member) = o.get::<Unknown>(&key)? else { continue };
                let len = path.len();
                if array {
                    path.push_str(&format!("[{key}]"));
                } else if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
                    path.push('.');
                    path.push_str(&crate::util::printable(&key, 40));
                } else {
                    path.push_str(&format!("[{:?}]", crate::util::printable(&key, 40)));
                }
                if let Some(found) = unrepresentable(&member, path, depth + 1, array)? {
                    return Ok(Some(found));
                }
                path.truncate(len);
            }
            Ok(None)
        }
        _ => Ok(None),
    }
}

/// Above this, a `now()` result reads as milliseconds (1e11 seconds is the year 5138).
pub const NOW_MAX_SECONDS: f64 = 1e11;

/// Reads the clock: the `now` option if given (it must return a finite number of
/// seconds; a value that reads as milliseconds, such as `Date.now()`, is refused).
pub fn clock(env: &Env, now: &Option<FunctionRef<(), f64>>) -> napi::Result<f64> {
    match now {
        None => Ok(now_seconds()),
        Some(f) => {
            let bad = || to_js(env, CoreError::options("now() must return a finite number of seconds"));
            match f.borrow_back(env)?.call(()) {
                Ok(t) if t.is_finite() && t.abs() < NOW_MAX_SECONDS => Ok(t),
                Ok(t) if t.is_finite() => Err(to_js(
                    env,
                    CoreError::options("now() returned milliseconds; it must return seconds since the epoch: now: () => Date.now() / 1000"),
                )),
                Ok(_) => Err(bad()),
                // An exception thrown by now() itself goes to the caller as it is.
                Err(e) if e.status == napi::Status::PendingException => Err(e),
                Err(_) => Err(bad()),
            }
        }
    }
}

/// A handshake field: a string, absent (undefined/null), or another type.
pub fn field(obj: &Option<Object<'_>>, name: &str) -> napi::Result<(Option<String>, Option<&'static str>)> {
    let Some(o) = obj else { return Ok((None, None)) };
    let v: Option<Unknown> = o.get(name)?;
    let Some(v) = v else { return Ok((None, None)) };
    match v.get_type()? {
        ValueType::Undefined | ValueType::Null => Ok((None, None)),
        // SAFETY: the type was just checked.
        ValueType::String => Ok((Some(unsafe { v.cast::<String>() }?), None)),
        ValueType::Object if v.is_array()? => Ok((None, Some("array"))),
        t => Ok((None, Some(type_name(t)))),
    }
}

/// A member that is an object, or None.
pub fn sub_object<'e>(obj: &Object<'e>, name: &str) -> napi::Result<Option<Object<'e>>> {
    let v: Option<Unknown> = obj.get(name)?;
    match v {
        // SAFETY: the type was just checked.
        Some(v) if v.get_type()? == ValueType::Object => Ok(Some(unsafe { v.cast::<Object>() }?)),
        _ => Ok(None),
    }
}

/// Runs `f` on a token argument (a string, or ERR_TOKEN_MALFORMED as `token_arg` says),
/// copied out of V8 in one call into a buffer kept per thread: no length query and no
/// allocation for tokens under 16 KiB. A longer token, or a nested call (a `now` option
/// that verifies), takes `token_arg`'s copy.
pub fn with_token<R>(env: &Env, v: &Unknown<'_>, f: impl FnOnce(&str) -> R) -> napi::Result<R> {
    use napi::JsValue;
    const SIZE: usize = 16 * 1024;
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let t = v.get_type()?;
    if t != ValueType::String {
        return Err(to_js(env, CoreError::new(ErrorCode::TokenMalformed, format!("the token must be a string, got {}", type_name(t)))));
    }
    let mut f = Some(f);
    let fast = BUF.with(|cell| {
        let Ok(mut buf) = cell.try_borrow_mut() else { return None };
        if buf.len() < SIZE {
            buf.resize(SIZE, 0);
        }
        let mut written = 0usize;
        // SAFETY: `v` is a string value of this env (checked above); the buffer holds SIZE bytes.
        let status = unsafe { napi::sys::napi_get_value_string_utf8(env.raw(), v.raw(), buf.as_mut_ptr().cast(), SIZE, &mut written) };
        // V8 stops before a character that does not fit: with 8 bytes to spare nothing was
        // left out (a character takes at most 4); otherwise the full copy decides.
        if status != napi::sys::Status::napi_ok || written > SIZE - 8 {
            return None;
        }
        // V8 writes valid UTF-8 (lone surrogates replaced), as the String conversion does.
        let token = std::str::from_utf8(&buf[..written]).ok()?;
        // The buffer stays borrowed during `f`: a nested call copies its own token.
        Some(f.take()?(token))
    });
    match fast {
        Some(r) => Ok(r),
        None => {
            let f = f.take().ok_or_else(|| napi::Error::from_reason("token callback already used"))?;
            let token = token_arg(env, v)?;
            Ok(f(&token))
        }
    }
}
