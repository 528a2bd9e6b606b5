//! decodeUnverified and inspect.

use napi::{Env, Unknown, ValueType};
use napi_derive::napi;
use serde_json::{json, Value};

use super::errors::{guard, token_arg, type_name};
use crate::util::now_seconds;

#[napi(object)]
pub struct Unverified {
    #[napi(ts_type = "Record<string, unknown>")]
    pub header: Value,
    /// null for a JWE (its payload is encrypted).
    #[napi(ts_type = "Record<string, unknown> | null")]
    pub payload: Value,
}

/// Decodes a token without verifying it. Never trust the result; for diagnostics.
#[napi(ts_args_type = "token: string")]
pub fn decode_unverified(env: Env, token: Unknown) -> napi::Result<Unverified> {
    let token = token_arg(&env, &token)?;
    let d = guard(&env, || crate::inspect::decode_unverified(&token))?;
    Ok(Unverified { header: Value::Object(d.header), payload: d.payload.map(Value::Object).unwrap_or(Value::Null) })
}

/// Explains a token without a key. Never throws.
#[napi(ts_args_type = "token: string", ts_return_type = "Inspection")]
pub fn inspect(env: Env, token: Unknown) -> Value {
    let t = token.get_type().unwrap_or(ValueType::Unknown);
    if t != ValueType::String {
        return json!({
            "kind": "unknown", "authJsSession": false, "header": null, "alg": null, "enc": null, "kid": null,
            "claims": null, "times": {}, "hints": [format!("the token must be a string, got {}", type_name(t))],
            "error": "ERR_TOKEN_MALFORMED: not a string",
        });
    }
    let text = match token_arg(&env, &token) {
        Ok(s) => s,
        Err(_) => return json!({ "kind": "unknown", "hints": [], "error": "unreadable string" }),
    };
    match guard(&env, || Ok(crate::inspect::inspect(&text, now_seconds()))) {
        Ok(v) => v,
        Err(_) => json!({ "kind": "unknown", "authJsSession": false, "hints": [], "error": "ERR_INTERNAL" }),
    }
}
