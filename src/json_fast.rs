//! A fast path for `json::members`: one pass over the bytes that checks the JSON and the
//! member names and builds values only for the members asked for. It is conservative:
//! whatever it is not sure about (escapes in member names, surrogate escapes, numbers with
//! a fraction or an exponent, deep nesting, many members) makes it give up (`None`), and
//! the serde_json path in `json::members` decides, with its exact error. It never accepts
//! a text that path would refuse (checked by the differential test below).

use serde_json::Value;

/// Nesting depth handled here (serde_json's own limit, 128, is the one that refuses).
const MAX_DEPTH: usize = 16;
/// Member names kept for the duplicate checks of all open objects.
const MAX_KEYS: usize = 32;

/// `Some(Ok(values))` for a strict JSON object, `None` when serde_json must decide.
pub fn members<N: AsRef<str>>(text: &[u8], names: &[N]) -> Option<Vec<Option<Value>>> {
    let mut s = Scanner { b: text, i: 0 };
    let mut out: Vec<Option<Value>> = vec![None; names.len()];
    // The names asked for, as ids (compared as integers, not with memcmp).
    let mut inline = [KeyId::EMPTY; 16];
    let many: Vec<KeyId>;
    let wanted_ids: &[KeyId] = if names.len() <= inline.len() {
        for (id, n) in inline.iter_mut().zip(names) {
            *id = KeyId::of(n.as_ref().as_bytes());
        }
        &inline[..names.len()]
    } else {
        many = names.iter().map(|n| KeyId::of(n.as_ref().as_bytes())).collect();
        &many
    };
    // Member names of the open objects, and where each object's names start.
    let mut keys: [(KeyId, &[u8]); MAX_KEYS] = [(KeyId::EMPTY, &[]); MAX_KEYS];
    let mut nkeys = 0usize;
    let mut frames: [(bool, usize); MAX_DEPTH] = [(false, 0); MAX_DEPTH];
    let mut depth = 0usize;

    s.ws();
    if s.peek()? != b'{' {
        return None;
    }
    s.i += 1;
    frames[0] = (true, 0);
    depth = depth.max(1);
    // State: just after '{' or '[' (`fresh`), or after a value.
    let mut fresh = true;
    loop {
        let (is_object, first_key) = frames[depth - 1];
        s.ws();
        let c = s.peek()?;
        if c == b'}' || c == b']' {
            if (c == b'}') != is_object {
                return None;
            }
            s.i += 1;
            if is_object {
                nkeys = first_key;
            }
            depth -= 1;
            if depth == 0 {
                break;
            }
            fresh = false;
            continue;
        }
        if !fresh {
            if c != b',' {
                return None;
            }
            s.i += 1;
            s.ws();
        }
        fresh = false;
        let mut wanted: Option<usize> = None;
        if is_object {
            let (key, id) = s.key()?;
            if nkeys == MAX_KEYS || keys[first_key..nkeys].iter().any(|(k, b)| id.same(*k, key, b)) {
                return None;
            }
            keys[nkeys] = (id, key);
            nkeys += 1;
            if depth == 1 {
                wanted = wanted_ids.iter().zip(names).position(|(w, n)| id.same(*w, key, n.as_ref().as_bytes()));
            }
            s.ws();
            if s.peek()? != b':' {
                return None;
            }
            s.i += 1;
            s.ws();
        }
        let start = s.i;
        match s.peek()? {
            b'{' | b'[' => {
                if depth == MAX_DEPTH {
                    return None;
                }
                let obj = s.b[s.i] == b'{';
                s.i += 1;
                frames[depth] = (obj, nkeys);
                depth += 1;
                fresh = true;
                if let Some(w) = wanted {
                    // A wanted container (aud as a list): read it whole with serde_json.
                    let end = s.skip_container_from(start)?;
                    out[w] = Some(serde_json::from_slice::<Value>(&s.b[start..end]).ok()?);
                    // The scan goes on inside it for the strict checks.
                }
                continue;
            }
            b'"' => {
                s.string_value()?;
            }
            b't' => s.lit(b"true")?,
            b'f' => s.lit(b"false")?,
            b'n' => s.lit(b"null")?,
            _ => s.number()?,
        }
        if let Some(w) = wanted {
            out[w] = Some(value_of(&s.b[start..s.i])?);
        }
    }
    s.ws();
    if s.i != s.b.len() {
        return None;
    }
    Some(out)
}

/// The value of a scalar member (already checked by the scanner).
fn value_of(raw: &[u8]) -> Option<Value> {
    match raw[0] {
        b'0'..=b'9' if raw.len() <= 18 && raw.iter().all(u8::is_ascii_digit) => {
            let mut n: u64 = 0;
            for d in raw {
                n = n * 10 + u64::from(d - b'0');
            }
            Some(Value::from(n))
        }
        b'"' if !raw.contains(&b'\\') => Some(Value::String(std::str::from_utf8(&raw[1..raw.len() - 1]).ok()?.to_owned())),
        b't' => Some(Value::Bool(true)),
        b'f' => Some(Value::Bool(false)),
        b'n' => Some(Value::Null),
        _ => serde_json::from_slice::<Value>(raw).ok(),
    }
}

/// A member name as an id: its length and up to 16 of its bytes (the first 8 and the
/// last 8). Two names of up to 16 bytes are equal exactly when their ids are; longer ones
/// with equal ids are compared whole.
#[derive(Clone, Copy, PartialEq, Eq)]
struct KeyId {
    len: usize,
    head: u64,
    tail: u64,
}

impl KeyId {
    const EMPTY: KeyId = KeyId { len: 0, head: 0, tail: 0 };

    fn of(k: &[u8]) -> KeyId {
        // Little-endian words built byte by byte: a copy of a variable length would be a
        // memcpy call, which costs more than the whole comparison it replaces.
        let word = |s: &[u8]| s.iter().rev().fold(0u64, |w, &c| (w << 8) | u64::from(c));
        let n = k.len();
        let head = word(&k[..n.min(8)]);
        let tail = if n > 8 { word(&k[n - (n - 8).min(8)..]) } else { 0 };
        KeyId { len: n, head, tail }
    }

    /// The id of the name `text[start..end]`, read as whole words from the text around it
    /// (the bytes past a short name are masked off); as `of`, only cheaper.
    fn in_text(text: &[u8], start: usize, end: usize) -> KeyId {
        let n = end - start;
        let load = |at: usize| text.get(at..at + 8).and_then(|w| w.try_into().ok()).map(u64::from_le_bytes);
        let head = match load(start) {
            Some(w) if n >= 8 => w,
            Some(w) => w & ((1u64 << (8 * n)) - 1),
            None => return KeyId::of(&text[start..end]),
        };
        let tail = match n {
            0..=8 => 0,
            9..=15 => load(end - 8).map_or(0, |w| w >> (8 * (16 - n))),
            _ => load(end - 8).unwrap_or(0),
        };
        KeyId { len: n, head, tail }
    }

    /// Whether the name `a` (with this id) equals `b` (with id `other`).
    fn same(self, other: KeyId, a: &[u8], b: &[u8]) -> bool {
        self == other && (self.len <= 16 || a == b)
    }
}

/// The index of the first `"`, `\` or control character (below 0x20) at or after `from`,
/// reading 8 bytes at a time (SWAR); None when there is none.
fn special(b: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `x` below `n` (n <= 0x80) set in the result. Bytes of
    // 0x80 and above never flag (none of them is special); above the lowest real hit a
    // borrow can flag a byte falsely, so only the lowest flag is read.
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGHS;
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().ok()?);
        let hit = below(x ^ (ONES * u64::from(b'"')), 1) | below(x ^ (ONES * u64::from(b'\\')), 1) | below(x, 0x20);
        if hit != 0 {
            // The lowest flagged byte is a real hit: borrows only run towards higher bytes.
            return Some(i + (hit.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b.get(i..)?.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).map(|p| i + p)
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    /// A member name without escapes (else None: serde_json compares unescaped names).
    fn key(&mut self) -> Option<(&'a [u8], KeyId)> {
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.i + 1;
        let i = special(self.b, start)?;
        if self.b[i] != b'"' {
            return None;
        }
        self.i = i + 1;
        Some((&self.b[start..i], KeyId::in_text(self.b, start, i)))
    }

    /// A string value: escapes checked, control characters refused. The bytes are UTF-8
    /// (checked by the caller before the scan).
    fn string_value(&mut self) -> Option<()> {
        let mut i = self.i + 1;
        loop {
            i = special(self.b, i)?;
            match self.b[i] {
                b'"' => break,
                b'\\' => {
                    match *self.b.get(i + 1)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                        b'u' => {
                            let hex = self.b.get(i + 2..i + 6)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            // Surrogates (D800-DFFF): serde_json decides.
                            if matches!(hex[0], b'd' | b'D') && matches!(hex[1], b'8'..=b'9' | b'a'..=b'f' | b'A'..=b'F') {
                                return None;
                            }
                            i += 6;
                        }
                        _ => return None,
                    }
                }
                c if c < 0x20 => return None,
                _ => i += 1,
            }
        }
        self.i = i + 1;
        Some(())
    }

    fn lit(&mut self, word: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + word.len())? != word {
            return None;
        }
        self.i += word.len();
        Some(())
    }

    /// An integer, or a number with a fraction; an exponent makes serde_json decide (range).
    fn number(&mut self) -> Option<()> {
        let b = self.b;
        let mut i = self.i;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match *b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => {
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if !b.get(i)?.is_ascii_digit() {
                return None;
            }
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            return None;
        }
        // Very long numbers: serde_json decides.
        if i - self.i > 40 {
            return None;
        }
        self.i = i;
        Some(())
    }

    /// The end of the container that starts at `start` (brackets matched outside strings;
    /// the scan checks it properly).
    fn skip_container_from(&self, start: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut i = start;
        let mut in_str = false;
        while i < self.b.len() {
            let c = self.b[i];
            if in_str {
                match c {
                    b'\\' => i += 1,
                    b'"' => in_str = false,
                    _ => {}
                }
            } else {
                match c {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde(text: &[u8], names: &[&str]) -> Option<Vec<Option<Value>>> {
        crate::json::members_serde(text, names).ok()
    }

    /// Never more lenient than serde_json, and the same values when both accept.
    fn agree(text: &[u8], names: &[&str]) {
        if std::str::from_utf8(text).is_err() {
            return;
        }
        if let Some(fast) = members(text, names) {
            assert_eq!(Some(fast), serde(text, names), "{:?}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn common_claims_take_the_fast_path() {
        let t = br#"{"sub":"user-42","email":"ada@example.com","name":"Ada Lovelace","role":"member","iat":1795959941,"exp":1795960841}"#;
        let v = members(t, &["exp", "nbf", "iat"]).unwrap();
        assert_eq!(v, vec![Some(Value::from(1795960841u64)), None, Some(Value::from(1795959941u64))]);
        let t = br#" {"aud":["a","b"],"x":{"y":[1,2.5,{"z":null}]},"n":-3,"s":"\u00e9\n","t":true} "#;
        assert!(members(t, &["aud", "n", "s", "t"]).is_some());
        agree(t, &["aud", "n", "s", "t"]);
    }

    /// A `\u` escape needs four hex digits: the scanner refuses fewer, wherever they end.
    /// (A scanner checking three passes `differential_against_serde_json`; `cargo fuzz run json_fast`
    /// finds it in seconds; these are the inputs it found.)
    #[test]
    fn short_unicode_escapes_are_refused() {
        for t in [&br#"{"s":"\u12a\n"}"#[..], br#"{"&":"ruf\ucff/f;f\""}"#, br#"{"a":1,"b":[["\u12a"]]}"#, br#"{"s":"\u1"}"#, br#"{"s":"\u"}"#] {
            assert_eq!(members(t, &["s", "a"]), None, "{:?}", String::from_utf8_lossy(t));
            assert!(serde(t, &["s", "a"]).is_none());
        }
        assert_eq!(members(br#"{"s":"\u12ab"}"#, &["s"]), Some(vec![Some(Value::from("\u{12ab}"))]));
    }

    #[test]
    fn special_finds_what_a_byte_loop_finds() {
        let naive = |b: &[u8], from: usize| b.get(from..)?.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).map(|p| from + p);
        let pool = b"ab\"\\\x00\x1f\x20\x21\x7f\x80\xa2\xdc\xff#[]0";
        let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..200_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let len = (rng % 40) as usize;
            let b: Vec<u8> = (0..len).map(|k| pool[((rng >> (k % 50)) as usize + k * 7) % pool.len()]).collect();
            let from = ((rng >> 20) as usize) % (len + 2);
            assert_eq!(special(&b, from), naive(&b, from), "{b:?} from {from}");
        }
    }

    #[test]
    fn key_ids_from_the_text_equal_key_ids_from_the_name() {
        let text = br#"{"a":1,"abcdefgh":2,"abcdefghi":3,"abcdefghijklmno":4,"abcdefghijklmnop":5,"abcdefghijklmnopqrstuvwxyz":6,"":7,"z"}"#;
        for start in 0..text.len() {
            for end in start..=text.len().min(start + 30) {
                assert!(KeyId::in_text(text, start, end) == KeyId::of(&text[start..end]), "{start}..{end}");
            }
        }
    }

    #[test]
    fn key_ids_compare_like_the_bytes() {
        let names: [&[u8]; 10] = [b"", b"a", b"exp", b"exq", b"abcdefgh", b"abcdefghi", b"abcdefghijklmnop", b"abcdefghijklmnoq", b"abcdefghXjklmnopqrstuvwxyz", b"abcdefghYjklmnopqrstuvwxyz"];
        for a in names {
            for b in names {
                assert_eq!(KeyId::of(a).same(KeyId::of(b), a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn differential_against_serde_json() {
        let seeds: &[&[u8]] = &[
            br#"{"sub":"u","exp":5,"x":{"y":[1,{"z":null}]},"aud":["p","q"]}"#,
            br#"{"a":1,"a":2}"#,
            br#"{"x":{"a":1,"a":2}}"#,
            br#"{"x":[{"a":1,"\u0061":2}]}"#,
            br#"{"a":"\ud800","b":"\udc00\ud800"}"#,
            br#"{"n":1e400,"m":-0,"k":01,"j":1.,"i":.5,"h":-}"#,
            br#"{"s":"a\tb","t":"\x"}"#,
            br#"{"a":[1,2,],"b":{},"c":[]}"#,
            br#"{"a":true,"b":fals,"c":nul}"#,
            br#"[1]"#,
            br#"{} x"#,
            br#"{"a":{"b":{"c":{"d":[[[[[]]]]]}}}}"#,
        ];
        let names = ["a", "b", "exp", "aud", "x", "n", "s"];
        let mut rng: u64 = 0x9e3779b97f4a7c15;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let alphabet = b"{}[]\":,\\ \t\nu0123456789abcdefxnulltruefalse.-+eE\x1f";
        for seed in seeds {
            agree(seed, &names);
            for _ in 0..4000 {
                let mut t = seed.to_vec();
                for _ in 0..(next() % 4 + 1) {
                    let pos = (next() as usize) % (t.len() + 1);
                    let c = alphabet[(next() as usize) % alphabet.len()];
                    match next() % 3 {
                        0 if pos < t.len() => t[pos] = c,
                        1 if pos < t.len() => {
                            t.remove(pos);
                        }
                        _ => t.insert(pos, c),
                    }
                }
                agree(&t, &names);
            }
        }
        let deep = "{\"a\":".repeat(200) + "1" + &"}".repeat(200);
        assert!(members(deep.as_bytes(), &[] as &[&str]).is_none());
    }
}

