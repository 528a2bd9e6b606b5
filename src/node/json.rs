//! JSON to JS through the engine's own JSON.parse: every member becomes an own data
//! property (`__proto__` included, never the prototype), exactly as jose and
//! @auth/core return claims, and it is faster than building objects property by property.

use napi::bindgen_prelude::*;
use napi::{Env, Unknown};
use serde_json::Value;

type ParseFn = FunctionRef<String, Unknown<'static>>;

/// `JSON.parse`, looked up once per instance (a reference is per JS environment, so each
/// class instance keeps its own).
pub struct JsonParse(ParseFn);

fn lookup(env: &Env) -> napi::Result<Function<'_, String, Unknown<'static>>> {
    let global = env.get_global()?;
    let json: Object = global.get_named_property("JSON")?;
    json.get_named_property("parse")
}

impl JsonParse {
    pub fn new(env: &Env) -> napi::Result<JsonParse> {
        Ok(JsonParse(lookup(env)?.create_ref()?))
    }

    pub fn parse<'e>(&self, env: &'e Env, text: Vec<u8>) -> napi::Result<Unknown<'e>> {
        self.0.borrow_back(env)?.call(utf8(text)?)
    }
}

fn utf8(text: Vec<u8>) -> napi::Result<String> {
    // The bytes were parsed as strict UTF-8 JSON before this point: no copy is made.
    String::from_utf8(text).map_err(|_| napi::Error::from_reason("invalid UTF-8"))
}

/// One-off parse (free functions, diagnostics).
pub fn parse<'e>(env: &'e Env, text: Vec<u8>) -> napi::Result<Unknown<'e>> {
    lookup(env)?.call(utf8(text)?)
}

pub fn value<'e>(env: &'e Env, v: &Value) -> napi::Result<Unknown<'e>> {
    let text = serde_json::to_vec(v).map_err(|_| napi::Error::from_reason("unserializable JSON"))?;
    parse(env, text)
}

/// The claims of a token of one kind as text for the JS wrapper, the kind coded in the
/// first character: a tab for an Auth.js session; for a JWS nothing when the text starts
/// with `{` (the usual case: no join), else a space. So a JWS never reads as a session,
/// whatever white space its payload starts with.
pub fn kind_text<'e>(env: &'e Env, jwt: bool, json: &[u8]) -> napi::Result<napi::JsString<'e>> {
    match (jwt, json.first()) {
        (true, Some(b'{')) => text(env, b"", json),
        (true, _) => text(env, b" ", json),
        (false, _) => text(env, b"\t", json),
    }
}

/// JSON text as a JS string, for `JSON.parse` in the JS wrapper (js/index.js): a direct
/// builtin call there is cheaper than calling back into JS from here. ASCII text (the
/// usual case) is handed over as Latin-1, which V8 copies without decoding; `prefix`
/// (JSON white space only, which `JSON.parse` skips) carries a small code to the wrapper.
pub fn text<'e>(env: &'e Env, prefix: &[u8], json: &[u8]) -> napi::Result<napi::JsString<'e>> {
    debug_assert!(prefix.iter().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')));
    let s = if prefix.is_empty() {
        if json.is_ascii() {
            env.create_string_latin1(json)?
        } else {
            env.create_string(std::str::from_utf8(json).map_err(|_| napi::Error::from_reason("invalid UTF-8"))?)?
        }
    } else if json.is_ascii() {
        // The usual claims set: joined in a per-thread buffer (no allocation, no zeroing).
        thread_local! {
            static JOINED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        JOINED.with(|cell| match cell.try_borrow_mut() {
            Ok(mut buf) => {
                buf.clear();
                buf.extend_from_slice(prefix);
                buf.extend_from_slice(json);
                let s = env.create_string_latin1(buf.as_slice());
                // A very large claims set does not keep its buffer.
                if buf.capacity() > 64 * 1024 {
                    *buf = Vec::new();
                }
                s
            }
            Err(_) => env.create_string_latin1(&[prefix, json].concat()),
        })?
    } else {
        let mut buf = Vec::with_capacity(prefix.len() + json.len());
        buf.extend_from_slice(prefix);
        buf.extend_from_slice(json);
        env.create_string(std::str::from_utf8(&buf).map_err(|_| napi::Error::from_reason("invalid UTF-8"))?)?
    };
    Ok(s)
}
