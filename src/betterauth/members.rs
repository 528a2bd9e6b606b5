//! The one-pass member reader of the payload's `session` and `user` objects: the members
//! asked for, borrowed from the text, nothing built for the others.

use serde::Deserialize;

/// The members of a cached session and user that `payload` checks (better-auth's schema).
pub(super) const SESSION: [&str; 8] = ["id", "token", "userId", "expiresAt", "createdAt", "updatedAt", "ipAddress", "userAgent"];
pub(super) const USER: [&str; 7] = ["id", "email", "name", "createdAt", "updatedAt", "image", "emailVerified"];

/// One member's value as `payload` checks it: a string borrowed from the text (owned only
/// when it has escapes), or its kind.
#[derive(Clone, Debug, Default)]
pub(super) enum Scalar<'a> {
    #[default]
    Absent,
    Null,
    Bool(bool),
    Str(std::borrow::Cow<'a, str>),
    /// A number, an array or an object (skipped, checked as JSON).
    Other,
}

impl<'de> Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Str(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Str(std::borrow::Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Str(std::borrow::Cow::Owned(v)))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Null)
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Other)
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Other)
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Other)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Scalar<'de>, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Scalar<'de>, A::Error> {
                while map.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// A member name, borrowed from the text when it has no escapes.
struct Name<'a>(std::borrow::Cow<'a, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        match Scalar::deserialize(d)? {
            Scalar::Str(s) => Ok(Name(s)),
            _ => Err(serde::de::Error::custom("a member name is not a string")),
        }
    }
}

/// Reads the members `names` of a JSON object (Absent where missing), building nothing for
/// the others; a repeated member asked for is refused.
pub(super) struct Seed<'n>(pub &'n [&'n str]);

impl<'de, 'n> serde::de::DeserializeSeed<'de> for Seed<'n> {
    type Value = Vec<Scalar<'de>>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, 'n> serde::de::Visitor<'de> for Seed<'n> {
    type Value = Vec<Scalar<'de>>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Self::Value, A::Error> {
        let mut out = vec![Scalar::Absent; self.0.len()];
        while let Some(Name(k)) = map.next_key::<Name<'de>>()? {
            match self.0.iter().position(|n| *n == k) {
                Some(i) => {
                    if !matches!(out[i], Scalar::Absent) {
                        return Err(serde::de::Error::custom("duplicate member name"));
                    }
                    out[i] = map.next_value()?;
                }
                None => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// The members `names` of the JSON object `text` (Absent where missing), in one pass that
/// builds nothing for the others; a repeated member asked for is refused. `Err(None)`: not
/// an object; `Err(Some(why))`: not JSON.
pub(super) fn fields<'a>(text: &'a str, names: &[&str]) -> std::result::Result<Vec<Scalar<'a>>, Option<String>> {
    if !text.trim_start_matches([' ', '\t', '\n', '\r']).starts_with('{') {
        return Err(None);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let out = serde::de::DeserializeSeed::deserialize(Seed(names), &mut de).map_err(|e| Some(e.to_string()))?;
    de.end().map_err(|e| Some(e.to_string()))?;
    Ok(out)
}
