//! The hot functions (`_jwtVerifyText`, `_authjsDecodeText`, `_betterAuth*Text`, `_handshake*`) registered as
//! plain N-API callbacks on the addon's exports. napi-rs's generated wrapper opens a
//! native-borrow scope on every call (an `Arc<Mutex<..>>` allocated and freed, thread-local
//! pushes and pops) so that class receivers and borrowed arguments outlive the call. These
//! functions take a handle number and strings and borrow nothing, so that bookkeeping was
//! pure cost: about 8% of an HS256 verify (benchmark/PROFILE.md, phase 4).
//!
//! Each callback reads its arguments (missing ones are `undefined`), runs its body under
//! `errors::catch` (no panic crosses the FFI boundary) and throws the body's error as
//! napi-rs would. The bodies are the ordinary functions of the other binding files.

use napi::bindgen_prelude::{JsError, ToNapiValue};
use napi::{sys, Env, JsValue, Unknown};
use napi_derive::napi;
use std::ptr;

/// A number argument as a handle; anything else is NaN, which names no instance
/// (ERR_INVALID_OPTIONS from the handle lookup).
fn handle_arg(v: &Unknown<'_>) -> f64 {
    match v.get_type() {
        // SAFETY: the type was just checked.
        Ok(napi::ValueType::Number) => unsafe { v.cast::<f64>() }.unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

/// Reads up to `N` arguments and calls `body`; its value is returned, its error thrown.
///
/// # Safety
/// `env` and `info` are the ones N-API passed to the callback being run.
unsafe fn call<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    body: impl FnOnce(&Env, [Unknown<'_>; N]) -> napi::Result<sys::napi_value>,
) -> sys::napi_value {
    let mut argc = N;
    let mut argv: [sys::napi_value; N] = [ptr::null_mut(); N];
    // SAFETY: a live env and callback info (the caller's contract); argv holds argc slots,
    // and N-API fills the ones the caller left out with undefined.
    let status = unsafe { sys::napi_get_cb_info(env, info, &mut argc, argv.as_mut_ptr(), ptr::null_mut(), ptr::null_mut()) };
    let wrapped = Env::from_raw(env);
    let result = if status == sys::Status::napi_ok {
        // SAFETY: each value is an argument of this call, alive for its duration.
        let args = argv.map(|v| unsafe { Unknown::from_raw_unchecked(env, v) });
        super::errors::catch(&wrapped, || body(&wrapped, args)).and_then(|r| r)
    } else {
        Err(napi::Error::from_reason("could not read the arguments"))
    };
    match result {
        Ok(v) => v,
        Err(e) => {
            // SAFETY: as above. An exception a JS callback left pending (a `now` function, an
            // allowedOrigins matcher) is kept as it is; any other error is thrown.
            unsafe { JsError::from(e).throw_into(env) };
            ptr::null_mut()
        }
    }
}

/// The raw value of a body's result, for `call`.
fn out<T: ToNapiValue>(env: &Env, v: T) -> napi::Result<sys::napi_value> {
    // SAFETY: `env` is the live env of the running callback.
    unsafe { T::to_napi_value(env.raw(), v) }
}

unsafe extern "C" fn jwt_verify_text(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: N-API's own arguments to this callback.
    unsafe { call(env, info, |env, [handle, token]| out(env, super::jwt::jwt_verify_text(env, handle_arg(&handle), token)?)) }
}

unsafe extern "C" fn authjs_decode_text(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: N-API's own arguments to this callback.
    unsafe { call(env, info, |env, [handle, token]| out(env, super::authjs::authjs_decode_text(env, handle_arg(&handle), token)?)) }
}

unsafe extern "C" fn better_auth_decode_text(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: N-API's own arguments to this callback.
    unsafe { call(env, info, |env, [handle, value]| out(env, super::betterauth::better_auth_decode_text(env, handle_arg(&handle), value)?)) }
}

unsafe extern "C" fn better_auth_cookie_header_text(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: N-API's own arguments to this callback.
    unsafe { call(env, info, |env, [handle, header]| out(env, super::betterauth::better_auth_cookie_header_text(env, handle_arg(&handle), header)?)) }
}

unsafe extern "C" fn handshake_verify_token(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: N-API's own arguments to this callback.
    unsafe { call(env, info, |env, [handle, token]| out(env, super::handshake::handshake_verify_token(env, handle_arg(&handle), token)?)) }
}

unsafe extern "C" fn handshake_auth_token(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: N-API's own arguments to this callback.
    unsafe { call(env, info, |env, [handle, token]| out(env, super::handshake::handshake_auth_token(env, handle_arg(&handle), token)?)) }
}

unsafe extern "C" fn handshake_verify_bearer(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: N-API's own arguments to this callback.
    unsafe { call(env, info, |env, [handle, authorization]| out(env, super::handshake::handshake_verify_bearer(env, handle_arg(&handle), authorization)?)) }
}

unsafe extern "C" fn handshake_authenticate(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: N-API's own arguments to this callback.
    unsafe {
        call(env, info, |env, [handle, auth, query, authorization, cookie, origin, host, origin_allowed, secure]| {
            let text = super::handshake::handshake_authenticate(env, handle_arg(&handle), auth, query, authorization, cookie, origin, host, Some(origin_allowed), secure)?;
            out(env, text)
        })
    }
}

/// Adds the raw callbacks to the addon's exports (js/index.js reads them from there).
#[napi(module_exports)]
pub fn register(exports: napi::bindgen_prelude::Object, env: Env) -> napi::Result<()> {
    let table: [(&str, sys::napi_callback); 8] = [
        ("_jwtVerifyText", Some(jwt_verify_text)),
        ("_authjsDecodeText", Some(authjs_decode_text)),
        ("_betterAuthDecodeText", Some(better_auth_decode_text)),
        ("_betterAuthCookieHeaderText", Some(better_auth_cookie_header_text)),
        ("_handshakeVerifyToken", Some(handshake_verify_token)),
        ("_handshakeAuthToken", Some(handshake_auth_token)),
        ("_handshakeVerifyBearer", Some(handshake_verify_bearer)),
        ("_handshakeAuthenticate", Some(handshake_authenticate)),
    ];
    for (name, cb) in table {
        let mut f = ptr::null_mut();
        // SAFETY: a live env (module registration); `name` is passed with its length.
        let status = unsafe { sys::napi_create_function(env.raw(), name.as_ptr().cast(), name.len() as isize, cb, ptr::null_mut(), &mut f) };
        if status != sys::Status::napi_ok {
            return Err(napi::Error::from_reason(format!("could not create {name}")));
        }
        let key = std::ffi::CString::new(name).map_err(|_| napi::Error::from_reason("bad export name"))?;
        // SAFETY: `exports` and `f` are values of this env; `key` is NUL-terminated.
        let status = unsafe { sys::napi_set_named_property(env.raw(), exports.raw(), key.as_ptr(), f) };
        if status != sys::Status::napi_ok {
            return Err(napi::Error::from_reason(format!("could not export {name}")));
        }
    }
    Ok(())
}
