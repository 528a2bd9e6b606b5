//! decodeUnverified and inspect.

use napi::{Env, Unknown, ValueType};
use napi_derive::napi;
use serde_json::{json, Value};

use super::errors::{guard, token_arg, type_name};
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
        return json!({
            "kind": "unknown", "authJsSession": false, "header": null, "alg": null, "enc": null, "kid": null,
            "claims": null, "times": {}, "hints": [format!("the token must be a string, got {}", type_name(t))],
            "error": "ERR_TOKEN_MALFORMED: not a string",
        });
    }
    let text = match token_arg(env, &token) {
        Ok(s) => s,
        Err(_) => return json!({ "kind": "unknown", "hints": [], "error": "unreadable string" }),
    };
    match guard(env, || Ok(crate::inspect::inspect(&text, now_seconds()))) {
        Ok(v) => v,
        Err(_) => json!({ "kind": "unknown", "authJsSession": false, "hints": [], "error": "ERR_INTERNAL" }),
    }
}
