//! JSON parsing for untrusted token parts: serde_json, plus a refusal of duplicate
//! member names (RFC 7515 4 / RFC 7519 4: a JWT with duplicates must be rejected or
//! parsed with last-wins; rejecting removes any ambiguity between parsers).
//! serde_json's own recursion limit (128) bounds nesting depth.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

struct StrictValue(Value);

impl<'de> de::Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        serde_json::Number::from_f64(v).map(Value::Number).ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let StrictValue(v) = map.next_value()?;
            if out.contains_key(&key) {
                return Err(de::Error::custom("duplicate member name"));
            }
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// A JSON value given as an object or as JSON text (a `jwk`, a `jwks`): text is parsed
/// strictly; a parse error is ERR_INVALID_KEY naming `what`.
pub fn value_or_text<'a>(v: &'a Value, what: &str) -> crate::Result<std::borrow::Cow<'a, Value>> {
    match v {
        Value::String(s) => parse_strict(s)
            .map(std::borrow::Cow::Owned)
            .map_err(|why| crate::Error::key(format!("{what} is not valid JSON ({why})"))),
        other => Ok(std::borrow::Cow::Borrowed(other)),
    }
}

/// Parses one JSON text; the error text names the problem without quoting the input.
pub fn parse_strict(text: &str) -> Result<Value, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let v = StrictValue::deserialize_from(&mut de).map_err(|e| describe(&e))?;
    de.end().map_err(|e| describe(&e))?;
    Ok(v)
}

impl StrictValue {
    fn deserialize_from<'de, D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        <StrictValue as de::Deserialize>::deserialize(d).map(|s| s.0)
    }
}

fn describe(e: &serde_json::Error) -> String {
    let s = e.to_string();
    if s.contains("duplicate member name") {
        "duplicate member name".into()
    } else if s.contains(NOT_OBJECT) {
        NOT_OBJECT.into()
    } else if s.contains("recursion limit") {
        "nested too deeply".into()
    } else {
        format!("syntax error at line {} column {}", e.line(), e.column())
    }
}

/// A string key, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// Member names seen in one object; a linear scan while small, a hash set beyond.
struct Seen<'de> {
    small: Vec<Cow<'de, str>>,
    large: Option<HashSet<Cow<'de, str>>>,
}

impl<'de> Seen<'de> {
    fn new() -> Self {
        Seen { small: Vec::new(), large: None }
    }

    /// False when the name was already seen.
    fn insert(&mut self, k: Cow<'de, str>) -> bool {
        if let Some(set) = &mut self.large {
            return set.insert(k);
        }
        if self.small.contains(&k) {
            return false;
        }
        self.small.push(k);
        if self.small.len() > 16 {
            self.large = Some(self.small.drain(..).collect());
        }
        true
    }
}

/// Walks any JSON value, refusing duplicate member names, building nothing.
struct Check;

impl<'de> de::Deserialize<'de> for Check {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CheckVisitor)
    }
}

struct CheckVisitor;

impl<'de> Visitor<'de> for CheckVisitor {
    type Value = Check;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Check, E> {
        Ok(Check)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Check, E> {
        Ok(Check)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Check, E> {
        Ok(Check)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Check, E> {
        Ok(Check)
    }
    fn visit_str<E>(self, _: &str) -> Result<Check, E> {
        Ok(Check)
    }
    fn visit_unit<E>(self) -> Result<Check, E> {
        Ok(Check)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Check, A::Error> {
        while seq.next_element::<Check>()?.is_some() {}
        Ok(Check)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Check, A::Error> {
        let mut seen = Seen::new();
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            if !seen.insert(k) {
                return Err(de::Error::custom("duplicate member name"));
            }
            map.next_value::<Check>()?;
        }
        Ok(Check)
    }
}

/// Top level of `members`: an object; the named members are built as values, the
/// rest only checked.
struct Members<'n, N> {
    names: &'n [N],
}

impl<'de, 'n, N: AsRef<str>> Visitor<'de> for Members<'n, N> {
    type Value = Vec<Option<Value>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = vec![None; self.names.len()];
        let mut seen = Seen::new();
        while let Some(Key(k)) = map.next_key::<Key<'de>>()? {
            let wanted = self.names.iter().position(|n| n.as_ref() == k);
            if !seen.insert(k) {
                return Err(de::Error::custom("duplicate member name"));
            }
            match wanted {
                Some(i) => out[i] = Some(map.next_value::<StrictValue>()?.0),
                None => {
                    map.next_value::<Check>()?;
                }
            }
        }
        Ok(out)
    }
}

/// Checks that `bytes` is one strict JSON object (UTF-8, no duplicate member names at
/// any depth, nesting bounded) and returns the members named in `names`, in that
/// order, without building the rest. `Err` is ("not a JSON object" or the problem).
pub fn members<N: AsRef<str>>(bytes: &[u8], names: &[N]) -> Result<Vec<Option<Value>>, String> {
    if std::str::from_utf8(bytes).is_ok() {
        if let Some(out) = crate::json_fast::members(bytes, names) {
            return Ok(out);
        }
    }
    members_serde(bytes, names)
}

/// A member handed back by `members_raw`: a string without escapes as its content, any
/// other value as its JSON text (checked; no value built), or its value when serde_json read
/// the object.
#[derive(Debug, Clone, PartialEq)]
pub enum Member<'a> {
    /// A string without escapes: its content (without the quotes).
    Plain(&'a str),
    /// Any other value's JSON text (a string with escapes, with its quotes).
    Text(&'a str),
    Value(Value),
}

impl<'a> Member<'a> {
    /// A string member without escapes, borrowed from the text (else None: build the value).
    #[inline]
    pub fn plain_str(&self) -> Option<&'a str> {
        match *self {
            Member::Plain(s) => Some(s),
            _ => None,
        }
    }

    /// The member's value (from its text: the value `members` would have built).
    pub fn into_value(self) -> Option<Value> {
        match self {
            Member::Plain(s) => Some(Value::String(s.to_owned())),
            Member::Text(t) => crate::json_fast::value_of(t.as_bytes()),
            Member::Value(v) => Some(v),
        }
    }
}

/// As `members`, the last `raw.len()` names handed back in `raw` as `Member`s (their text
/// when the fast scanner reads the object: nothing built, nothing copied) instead of in the
/// values returned (which then holds the first `names.len() - raw.len()`).
pub fn members_raw<'a, N: AsRef<str>>(bytes: &'a [u8], names: &[N], raw: &mut [Option<Member<'a>>]) -> Result<Vec<Option<Value>>, String> {
    let split = names.len() - raw.len();
    if let Ok(text) = std::str::from_utf8(bytes) {
        let mut out: Vec<Option<Value>> = vec![None; split];
        let scanned = crate::json_fast::scan(bytes, names, |i, at, plain| {
            match i.checked_sub(split) {
                // A string without escapes: its content (between its quotes, ASCII bytes).
                Some(k) if plain => raw[k] = Some(Member::Plain(text.get(at.start + 1..at.end - 1)?)),
                // A value starts and ends at ASCII bytes: char boundaries (`get` checks).
                Some(k) => raw[k] = Some(Member::Text(text.get(at)?)),
                None => out[i] = Some(crate::json_fast::value_of(&bytes[at])?),
            }
            Some(())
        });
        if scanned.is_some() {
            return Ok(out);
        }
        raw.fill(None);
    }
    let mut all = members_serde(bytes, names)?;
    for (slot, v) in raw.iter_mut().zip(all.drain(split..)) {
        *slot = v.map(Member::Value);
    }
    Ok(all)
}

/// `members` through serde_json alone: the authority on what is refused, and why.
pub fn members_serde<N: AsRef<str>>(bytes: &[u8], names: &[N]) -> Result<Vec<Option<Value>>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8".to_string())?;
    let mut de = serde_json::Deserializer::from_str(text);
    let out = de.deserialize_any(MembersAny(Members { names })).map_err(|e| describe(&e))?;
    de.end().map_err(|e| describe(&e))?;
    Ok(out)
}

/// Accepts any value at the top but yields an error for anything but an object.
struct MembersAny<'n, N>(Members<'n, N>);

impl<'de, 'n, N: AsRef<str>> Visitor<'de> for MembersAny<'n, N> {
    type Value = Vec<Option<Value>>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.visit_map(map)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(E::custom(NOT_OBJECT))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_OBJECT))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_OBJECT))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(E::custom(NOT_OBJECT))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(E::custom(NOT_OBJECT))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(E::custom(NOT_OBJECT))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(de::Error::custom(NOT_OBJECT))
    }
}

pub const NOT_OBJECT: &str = "not a JSON object";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_rejected_at_any_depth() {
        assert!(parse_strict(r#"{"a":1,"a":2}"#).unwrap_err().contains("duplicate"));
        assert!(parse_strict(r#"{"x":{"a":1,"a":2}}"#).unwrap_err().contains("duplicate"));
        assert!(parse_strict(r#"{"a":1,"b":[1,2,{"c":null}]}"#).is_ok());
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(parse_strict(&deep).is_err());
        let fine = "[".repeat(100) + &"]".repeat(100);
        assert!(parse_strict(&fine).is_ok());
    }

    #[test]
    fn trailing_garbage_rejected() {
        assert!(parse_strict(r#"{"a":1} x"#).is_err());
    }

    #[test]
    fn members_picks_names_and_checks_the_rest() {
        let v = members(br#"{"sub":"a","exp":5,"x":{"y":[1,{"z":null}]},"aud":["p","q"]}"#, &["exp", "aud", "nbf"]).unwrap();
        assert_eq!(v, vec![Some(Value::from(5)), Some(serde_json::json!(["p", "q"])), None]);
        assert!(members(br#"{"a":1,"a":2}"#, &[] as &[&str]).unwrap_err().contains("duplicate"));
        assert!(members(br#"{"x":{"a":1,"a":2}}"#, &[] as &[&str]).unwrap_err().contains("duplicate"));
        assert!(members(br#"{"x":[{"a":1,"\u0061":2}]}"#, &[] as &[&str]).unwrap_err().contains("duplicate"));
        assert_eq!(members(b"[1]", &[] as &[&str]).unwrap_err(), NOT_OBJECT);
        assert_eq!(members(b"\"s\"", &[] as &[&str]).unwrap_err(), NOT_OBJECT);
        assert!(members(b"{} x", &[] as &[&str]).is_err());
        assert!(members(b"\xff", &[] as &[&str]).is_err());
        let many: String = (0..100).map(|i| format!("\"k{i}\":{i}")).collect::<Vec<_>>().join(",");
        assert!(members(format!("{{{many}}}").as_bytes(), &["k99"]).unwrap()[0].is_some());
        let dup = format!("{{{many},\"k3\":0}}");
        assert!(members(dup.as_bytes(), &[] as &[&str]).unwrap_err().contains("duplicate"));
        let deep = "{\"a\":".repeat(200) + "1" + &"}".repeat(200);
        assert!(members(deep.as_bytes(), &[] as &[&str]).is_err());
    }

    #[test]
    fn order_preserved() {
        let v = parse_strict(r#"{"z":1,"a":2}"#).unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["z", "a"]);
    }
}
