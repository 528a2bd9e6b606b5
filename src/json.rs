//! JSON parsing for untrusted token parts: serde_json, plus a refusal of duplicate
//! member names (RFC 7515 4 / RFC 7519 4: a JWT with duplicates must be rejected or
//! parsed with last-wins; rejecting removes any ambiguity between parsers).
//! serde_json's own recursion limit (128) bounds nesting depth.

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
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
    } else if s.contains("recursion limit") {
        "nested too deeply".into()
    } else {
        format!("syntax error at line {} column {}", e.line(), e.column())
    }
}

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
    fn order_preserved() {
        let v = parse_strict(r#"{"z":1,"a":2}"#).unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["z", "a"]);
    }
}
