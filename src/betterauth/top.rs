//! The payload's top-level members, read in one pass with the members of `session` and `user`
//! that `payload` checks; the two-pass reading (the members' JSON text first, then each
//! object's members) decides whatever that pass does not take.

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::members::{Scalar, Seed, SESSION, USER};

/// The payload's top-level members (`session`, `user` and `updatedAt` as their JSON text),
/// and the members of `session` and `user` when the one pass read them.
#[derive(Default)]
pub(super) struct Top<'a> {
    pub session: Option<&'a str>,
    pub user: Option<&'a str>,
    pub updated_at: Option<&'a str>,
    pub version: Option<Value>,
    pub exp: Option<Value>,
    pub nbf: Option<Value>,
    pub iat: Option<Value>,
    pub read: Option<(Vec<Scalar<'a>>, Vec<Scalar<'a>>)>,
}

/// The two-pass reading's first pass (serde_json, strict; a repeated member refused).
#[derive(Deserialize)]
struct Payload<'a> {
    #[serde(borrow)]
    session: Option<&'a RawValue>,
    #[serde(borrow)]
    user: Option<&'a RawValue>,
    #[serde(rename = "updatedAt", borrow)]
    updated_at: Option<&'a RawValue>,
    version: Option<Value>,
    exp: Option<Value>,
    nbf: Option<Value>,
    iat: Option<Value>,
}

/// The payload's top-level members; Err when it is not a JSON object (or repeats a member).
pub(super) fn top(text: &str) -> Result<Top<'_>, serde_json::Error> {
    if let Some(t) = one_pass(text) {
        return Ok(t);
    }
    let p: Payload = serde_json::from_str(text)?;
    Ok(Top {
        session: p.session.map(RawValue::get),
        user: p.user.map(RawValue::get),
        updated_at: p.updated_at.map(RawValue::get),
        version: p.version,
        exp: p.exp,
        nbf: p.nbf,
        iat: p.iat,
        read: None,
    })
}

/// The one pass, for a payload whose member names have no escapes and whose `session` and
/// `user` are objects: the spans of those two come from where the member names stand in the
/// text (serde_json borrows them from it). None for anything else (a repeated member
/// included): the two-pass reading decides, with its own results and errors.
fn one_pass(text: &str) -> Option<Top<'_>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let top = serde::Deserializer::deserialize_map(&mut de, OnePass { text }).ok()?;
    de.end().ok()?;
    let spans_ok = |s: Option<&str>| s.is_none_or(|s| s.starts_with('{') && s.ends_with('}'));
    (spans_ok(top.session) && spans_ok(top.user)).then_some(top)
}

struct OnePass<'a> {
    text: &'a str,
}

/// Where a value starts: past the white space and the ':' after its member name (`at`: just
/// past the name's closing quote).
fn value_start(b: &[u8], mut at: usize) -> Option<usize> {
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    while b.get(at).is_some_and(ws) {
        at += 1;
    }
    (b.get(at) == Some(&b':')).then_some(())?;
    at += 1;
    while b.get(at).is_some_and(ws) {
        at += 1;
    }
    Some(at)
}

/// Where a value ends: before the white space (and the `sep`, ',' or the closing '}', and the
/// white space before it) that precedes `at`.
fn value_end(b: &[u8], mut at: usize, sep: u8) -> Option<usize> {
    let ws = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r');
    while at > 0 && ws(b[at - 1]) {
        at -= 1;
    }
    (at > 0 && b[at - 1] == sep).then_some(())?;
    at -= 1;
    while at > 0 && ws(b[at - 1]) {
        at -= 1;
    }
    Some(at)
}

impl<'de> Visitor<'de> for OnePass<'de> {
    type Value = Top<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("the session payload")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top<'de>, A::Error> {
        let fail = || serde::de::Error::custom("left to the two-pass reading");
        let (text, b) = (self.text, self.text.as_bytes());
        let mut t = Top::default();
        let (mut session, mut user) = (None, None);
        let mut seen = [false; 7];
        // The member (0 session, 1 user) whose value is open, and where it starts.
        let mut open: Option<(usize, usize)> = None;
        let close = |t: &mut Top<'de>, open: &mut Option<(usize, usize)>, end: usize| {
            if let Some((which, start)) = open.take() {
                let span = text.get(start..end);
                if which == 0 { t.session = span } else { t.user = span }
            }
        };
        // A key escaped (not borrowed from the text) is an error here: the two passes decide.
        while let Some(key) = map.next_key::<&'de str>()? {
            let at = (key.as_ptr() as usize).checked_sub(b.as_ptr() as usize).filter(|a| *a >= 1 && a + key.len() < b.len()).ok_or_else(fail)?;
            if open.is_some() {
                let end = value_end(b, at - 1, b',').ok_or_else(fail)?;
                close(&mut t, &mut open, end);
            }
            let which = ["session", "user", "updatedAt", "version", "exp", "nbf", "iat"].iter().position(|n| *n == key);
            if let Some(w) = which {
                if std::mem::replace(&mut seen[w], true) {
                    return Err(fail());
                }
            }
            match which {
                Some(w @ (0 | 1)) => {
                    let start = value_start(b, at + key.len() + 1).ok_or_else(fail)?;
                    let read = map.next_value_seed(Seed(if w == 0 { &SESSION } else { &USER }))?;
                    if w == 0 { session = Some(read) } else { user = Some(read) }
                    open = Some((w, start));
                }
                Some(2) => t.updated_at = map.next_value::<Option<&'de RawValue>>()?.map(RawValue::get),
                Some(3) => t.version = map.next_value()?,
                Some(4) => t.exp = map.next_value()?,
                Some(5) => t.nbf = map.next_value()?,
                Some(_) => t.iat = map.next_value()?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if open.is_some() {
            let last = text.trim_end_matches([' ', '\t', '\n', '\r']).len();
            let end = value_end(b, last, b'}').ok_or_else(fail)?;
            close(&mut t, &mut open, end);
        }
        t.read = Some((session.unwrap_or_default(), user.unwrap_or_default()));
        // Absent session or user: the two passes' errors.
        if t.session.is_none() || t.user.is_none() {
            return Err(fail());
        }
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one pass gives what the two passes give, and leaves every unusual payload to them.
    #[test]
    fn one_pass_agrees_with_two() {
        type Seen<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>, Option<Value>, Option<Value>);
        fn two(text: &str) -> Seen<'_> {
            let p: Payload = serde_json::from_str(text).unwrap();
            (p.session.map(RawValue::get), p.user.map(RawValue::get), p.updated_at.map(RawValue::get), p.version, p.exp)
        }
        for text in [
            r#"{"session":{"id":"s","token":"t"},"user":{"id":"u","name":"A\"b"},"updatedAt":1,"version":"1"}"#,
            " {\n \"user\" : {\"id\":\"u\"} ,\t\"x\":[1,{\"y\":2}], \"session\":{ \"id\" : \"s\" } \n} ",
            r#"{"exp":5,"session":{},"user":{"k":{"session":{}}},"updatedAt":null,"version":null}"#,
        ] {
            let one = one_pass(text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!((one.session, one.user, one.updated_at, one.version, one.exp), two(text), "{text}");
        }
        for text in [
            r#"{"session":{},"session":{},"user":{}}"#,
            r#"{"session":{},"user":null}"#,
            r#"{"session":{},"user":[]}"#,
            r#"{"session":{}}"#,
            r#"{"sess\u0069on":{},"user":{}}"#,
            r#"{"session":{"id":"a","id":"b"},"user":{}}"#,
            r#"{"session":{},"user":{},"exp":1,"exp":2}"#,
            r#"{"session":{},"user":{}"#,
            r#"[{"session":{},"user":{}}]"#,
        ] {
            assert!(one_pass(text).is_none(), "{text}");
        }
    }

    /// Single-byte changes of a real payload: whatever the one pass accepts, the two passes
    /// accept with the same spans, and the members it read are those `fields` reads.
    #[test]
    fn one_pass_never_differs_from_two_on_changed_payloads() {
        let v: Value = serde_json::from_str(include_str!("../../__test__/fixtures/better-auth/vectors.json")).unwrap();
        let header = v["cases"][3]["cookieHeader"].as_str().unwrap();
        let jwt = crate::extract::cookie::session_token(header, "better-auth.session_data", 1 << 20).unwrap().unwrap();
        let payload = crate::b64::decode(jwt.split('.').nth(1).unwrap().as_bytes(), "x").unwrap();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let (mut accepted, mut left) = (0, 0);
        for _ in 0..20000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut b = payload.clone();
            let at = (seed % b.len() as u64) as usize;
            b[at] = b"{}[]\",:\\ a0-.e\n"[((seed >> 32) % 15) as usize];
            let Ok(text) = std::str::from_utf8(&b) else { continue };
            let Some(one) = one_pass(text) else {
                left += 1;
                continue;
            };
            accepted += 1;
            let p: Payload = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"));
            assert_eq!((one.session, one.user, one.updated_at), (p.session.map(RawValue::get), p.user.map(RawValue::get), p.updated_at.map(RawValue::get)), "{text}");
            assert_eq!((&one.version, &one.exp, &one.nbf, &one.iat), (&p.version, &p.exp, &p.nbf, &p.iat), "{text}");
            let (s, u) = one.read.as_ref().unwrap();
            let same = |a: &[Scalar], b: Vec<Scalar>| format!("{a:?}") == format!("{b:?}");
            assert!(same(s, super::super::members::fields(one.session.unwrap(), &SESSION).unwrap()), "{text}");
            assert!(same(u, super::super::members::fields(one.user.unwrap(), &USER).unwrap()), "{text}");
        }
        assert!(accepted > 1000 && left > 1000, "{accepted} {left}");
    }
}
