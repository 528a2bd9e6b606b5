//! decodeUnverified and inspect.

use napi::{Env, Unknown, ValueType};
use napi_derive::napi;
use serde_json::Value;

use super::args::{token_arg, type_name};
use super::errors::guard;
use super::json;
use crate::util::now_seconds;

#[napi(object, object_from_js = false)]
pub struct Unverified<'e> {
    #[napi(ts_type = "Record<string, unknown>")]
    pub header: Unknown<'e>,
    /// null for a JWE (its payload is encrypted).
    #[napi(ts_type = "Record<string, unknown> | null")]
    pub payload: Unknown<'e>,
}

/// Decodes a token without verifying it. Never trust the result; for diagnostics.
#[napi(ts_args_type = "token: string")]
pub fn decode_unverified<'e>(env: &'e Env, token: Unknown) -> napi::Result<Unverified<'e>> {
    let token = token_arg(env, &token)?;
    let d = guard(env, || crate::inspect::decode_unverified(&token))?;
    Ok(Unverified {
        header: json::value(env, &Value::Object(d.header))?,
        payload: json::value(env, &d.payload.map(Value::Object).unwrap_or(Value::Null))?,
    })
}

/// Explains a token without a key. Never throws.
#[napi(ts_args_type = "token: string", ts_return_type = "Inspection")]
pub fn inspect<'e>(env: &'e Env, token: Unknown) -> napi::Result<Unknown<'e>> {
    json::value(env, &inspect_value(env, token))
}

fn inspect_value(env: &Env, token: Unknown) -> Value {
    let t = token.get_type().unwrap_or(ValueType::Unknown);
    if t != ValueType::String {
        let hint = format!("the token must be a string, got {}", type_name(t));
        return crate::inspect::unreadable(vec![hint], "ERR_TOKEN_MALFORMED: not a string");
    }
    let Ok(text) = token_arg(env, &token) else {
        return crate::inspect::unreadable(vec![], "ERR_TOKEN_MALFORMED: unreadable string");
    };
    guard(env, || Ok(crate::inspect::inspect(&text, now_seconds()))).unwrap_or_else(|_| crate::inspect::unreadable(vec![], "ERR_INTERNAL"))
}
