//! A fast path for `json::members`: one pass over the bytes that checks the JSON and the
//! member names and hands over the text of the members asked for (values are built from it
//! only for them). It is conservative:
//! whatever it is not sure about (escapes in member names, surrogate escapes, numbers with
//! a fraction or an exponent, deep nesting, many members) makes it give up (`None`), and
//! the serde_json path in `json::members` decides, with its exact error. It never accepts
//! a text that path would refuse (checked by the differential test below).

use std::ops::Range;

use serde_json::Value;

/// Nesting depth handled here (serde_json's own limit, 128, is the one that refuses).
const MAX_DEPTH: usize = 16;
/// Member names kept for the duplicate checks of all open objects.
const MAX_KEYS: usize = 32;

/// `Some(values)` for a strict JSON object, `None` when serde_json must decide.
pub fn members<N: AsRef<str>>(text: &[u8], names: &[N]) -> Option<Vec<Option<Value>>> {
    let mut out: Vec<Option<Value>> = vec![None; names.len()];
    scan(text, names, |w, at, _| {
        out[w] = Some(value_of(&text[at])?);
        Some(())
    })?;
    Some(out)
}

/// Checks that `text` is a strict JSON object (as `members`) and calls `found(i, at, plain)`
/// for each top-level member named `names[i]`, `text[at]` being its value's JSON text (a
/// container whole; a string with its quotes), `plain` true for a string without escapes. `None` (serde_json must decide) when the scan gives up
/// or `found` does; `found` may have been called before.
#[inline(always)]
pub fn scan<N: AsRef<str>>(text: &[u8], names: &[N], mut found: impl FnMut(usize, Range<usize>, bool) -> Option<()>) -> Option<()> {
    let wanted = Wanted::of(names);
    let mut w = Walk::new(text);
    w.open()?;
    loop {
        let (is_object, first_key) = w.frames[w.depth - 1];
        w.s.ws();
        let c = w.s.peek()?;
        if c == b'}' || c == b']' {
            if w.close(c, is_object, first_key)? {
                break;
            }
            continue;
        }
        w.separator(c)?;
        let member = if is_object { w.member_name(first_key, &wanted)? } else { None };
        w.value(member, &mut found)?;
    }
    w.s.ws();
    (w.s.i == w.s.b.len()).then_some(())
}

/// The names asked for, as ids (compared as integers, not with memcmp): on the stack for up
/// to 16 names.
struct Wanted<'n, N> {
    inline: [KeyId; 16],
    many: Vec<KeyId>,
    names: &'n [N],
}

impl<'n, N: AsRef<str>> Wanted<'n, N> {
    #[inline(always)]
    fn of(names: &'n [N]) -> Self {
        let mut w = Wanted { inline: [KeyId::EMPTY; 16], many: Vec::new(), names };
        if names.len() <= w.inline.len() {
            for (id, n) in w.inline.iter_mut().zip(names) {
                *id = KeyId::of(n.as_ref().as_bytes());
            }
        } else {
            w.many = names.iter().map(|n| KeyId::of(n.as_ref().as_bytes())).collect();
        }
        w
    }

    /// The index of the name `key` (with id `id`) among the names asked for.
    #[inline(always)]
    fn position(&self, key: &[u8], id: KeyId) -> Option<usize> {
        let ids = if self.names.len() <= self.inline.len() { &self.inline[..self.names.len()] } else { &self.many[..] };
        ids.iter().zip(self.names).position(|(w, n)| id.same(*w, key, n.as_ref().as_bytes()))
    }
}

/// The scan's state: the open containers, and the member names of the open objects (each
/// its id and where it starts in the text: all zeros to start with, which is one memset).
struct Walk<'a> {
    s: Scanner<'a>,
    keys: [(KeyId, usize); MAX_KEYS],
    nkeys: usize,
    /// Per open container: whether it is an object, and where its names start in `keys`.
    frames: [(bool, usize); MAX_DEPTH],
    depth: usize,
    /// Just after '{' or '[' (no comma expected), not after a value.
    fresh: bool,
}

/// The walk's frame: its start, containers opened and closed, separators.
impl<'a> Walk<'a> {
    /// The state before the text (the arrays zeroed in place: one memset, no copy).
    #[inline(always)]
    fn new(text: &'a [u8]) -> Walk<'a> {
        Walk { s: Scanner { b: text, i: 0 }, keys: [(KeyId::EMPTY, 0); MAX_KEYS], nkeys: 0, frames: [(false, 0); MAX_DEPTH], depth: 1, fresh: true }
    }

    /// Reads the opening '{' of the top-level object.
    #[inline(always)]
    fn open(&mut self) -> Option<()> {
        self.s.ws();
        if self.s.peek()? != b'{' {
            return None;
        }
        self.s.i += 1;
        self.frames[0] = (true, 0);
        Some(())
    }

    /// Closes the innermost container at `c` ('}' or ']'); `Some(true)` when that was the
    /// top-level object.
    #[inline(always)]
    fn close(&mut self, c: u8, is_object: bool, first_key: usize) -> Option<bool> {
        if (c == b'}') != is_object {
            return None;
        }
        self.s.i += 1;
        if is_object {
            self.nkeys = first_key;
        }
        self.depth -= 1;
        self.fresh = false;
        Some(self.depth == 0)
    }

    /// The ',' before a member or an element (none after an opening bracket).
    #[inline(always)]
    fn separator(&mut self, c: u8) -> Option<()> {
        if !self.fresh {
            if c != b',' {
                return None;
            }
            self.s.i += 1;
            self.s.ws();
        }
        self.fresh = false;
        Some(())
    }

}

/// The walk's steps inside a container: a member's name, a value.
impl<'a> Walk<'a> {
    /// A member name and its ':', refused when the object already has it; at the top
    /// level, the index of the name among those asked for.
    #[inline(always)]
    fn member_name<N: AsRef<str>>(&mut self, first_key: usize, wanted: &Wanted<'_, N>) -> Option<Option<usize>> {
        let key_start = self.s.i + 1;
        let (key, id) = self.s.key()?;
        let b = self.s.b;
        if self.nkeys == MAX_KEYS || self.keys[first_key..self.nkeys].iter().any(|&(k, at)| id.same(k, key, &b[at..at + k.len])) {
            return None;
        }
        self.keys[self.nkeys] = (id, key_start);
        self.nkeys += 1;
        let member = if self.depth == 1 { wanted.position(key, id) } else { None };
        self.s.ws();
        if self.s.peek()? != b':' {
            return None;
        }
        self.s.i += 1;
        self.s.ws();
        Some(member)
    }

    /// A value: a scalar read whole, or a container opened (its contents are the next
    /// steps). A member asked for is handed to `found` with its text.
    #[inline(always)]
    fn value(&mut self, member: Option<usize>, found: &mut impl FnMut(usize, Range<usize>, bool) -> Option<()>) -> Option<()> {
        let s = &mut self.s;
        let start = s.i;
        let mut plain = false;
        match s.peek()? {
            c @ (b'{' | b'[') => {
                if self.depth == MAX_DEPTH {
                    return None;
                }
                if let Some(m) = member {
                    // A wanted container (aud as a list): handed whole; the scan goes on
                    // inside it for the strict checks.
                    let end = s.skip_container_from(start)?;
                    found(m, start..end, false)?;
                }
                s.i += 1;
                self.frames[self.depth] = (c == b'{', self.nkeys);
                self.depth += 1;
                self.fresh = true;
                return Some(());
            }
            b'"' => plain = s.string_value()?,
            b't' => s.lit(b"true")?,
            b'f' => s.lit(b"false")?,
            b'n' => s.lit(b"null")?,
            _ => s.number()?,
        }
        match member {
            Some(m) => found(m, start..s.i, plain),
            None => Some(()),
        }
    }
}

/// The value of a member's text (a scalar already checked by the scanner, or a container).
pub fn value_of(raw: &[u8]) -> Option<Value> {
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

/// Whitespace, member names and string values.
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
    /// (checked by the caller before the scan). `Some(true)` when it has no escape.
    fn string_value(&mut self) -> Option<bool> {
        let mut i = self.i + 1;
        let mut plain = true;
        loop {
            i = special(self.b, i)?;
            match self.b[i] {
                b'"' => break,
                b'\\' => {
                    plain = false;
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
        Some(plain)
    }
}

/// Literals, numbers, and a container skipped whole.
impl<'a> Scanner<'a> {
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
mod tests;
