//! JSON to JS through the engine's own JSON.parse: every member becomes an own data
//! property (`__proto__` included, never the prototype), exactly as jose and
//! @auth/core return claims, and it is faster than building objects property by property.

use napi::bindgen_prelude::*;
use napi::{Env, Unknown};
use serde_json::Value;

pub fn parse<'e>(env: &'e Env, text: &[u8]) -> napi::Result<Unknown<'e>> {
    // The bytes were parsed as strict UTF-8 JSON before this point.
    let text = std::str::from_utf8(text).map_err(|_| napi::Error::from_reason("invalid UTF-8"))?;
    let global = env.get_global()?;
    let json: Object = global.get_named_property("JSON")?;
    let parse: Function<&str, Unknown> = json.get_named_property("parse")?;
    parse.call(text)
}

pub fn value<'e>(env: &'e Env, v: &Value) -> napi::Result<Unknown<'e>> {
    let text = serde_json::to_vec(v).map_err(|_| napi::Error::from_reason("unserializable JSON"))?;
    parse(env, &text)
}
