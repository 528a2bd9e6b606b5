//! Core errors to JS errors, and the panic guard every export uses (`guard`, `catch`).

use std::panic::{catch_unwind, AssertUnwindSafe};

use napi::bindgen_prelude::*;
use napi::{Env, Status};

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
    catch(env, f)?.map_err(|e| to_js(env, e))
}

/// Runs `f`, turning a panic into ERR_INTERNAL (the one place panics are caught);
/// what `f` returns, errors included, is left to the caller.
pub fn catch<T>(env: &Env, f: impl FnOnce() -> T) -> napi::Result<T> {
    quiet_panics();
    catch_unwind(AssertUnwindSafe(f))
        .map_err(|_| to_js(env, CoreError::new(ErrorCode::Internal, "internal error (a bug in authbridge: please report it)")))
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
