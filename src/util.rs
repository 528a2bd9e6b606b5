//! Small helpers shared by the modules.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Code points that are invisible or change how the text around them is shown, by
/// Unicode 17 (the set `[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]`):
/// controls, bidi embeddings, overrides, isolates and marks (U+202A-202E, U+2066-2069,
/// U+200E/200F, U+061C), zero-width characters, tag characters, variation selectors, the
/// line and paragraph separators. Sorted, inclusive ranges.
const INVISIBLE: [(u32, u32); 27] = [
    (0x0000, 0x001F),
    (0x007F, 0x009F),
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
];

/// Whether `c` is invisible or reorders text on display (`INVISIBLE`).
pub fn is_invisible(c: char) -> bool {
    let c = c as u32;
    if c < 0x7F {
        return c < 0x20;
    }
    INVISIBLE.binary_search_by(|&(lo, hi)| if hi < c { std::cmp::Ordering::Less } else if lo > c { std::cmp::Ordering::Greater } else { std::cmp::Ordering::Equal }).is_ok()
}

/// `s` with every invisible character (`is_invisible`) written as `\u{hex}`, so that text
/// from a token or a request cannot hide, reorder or split the line it is shown in.
/// Borrowed when there is nothing to escape (the common case: one scan, no copy).
pub fn escape_invisible(s: &str) -> Cow<'_, str> {
    let first = s.bytes().position(|b| b < 0x20 || b >= 0x7F).and_then(|i| s[i..].char_indices().find(|&(_, c)| is_invisible(c)).map(|(j, _)| i + j));
    let Some(first) = first else { return Cow::Borrowed(s) };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if is_invisible(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A short, printable excerpt of an untrusted string for an error message: at most `max`
/// characters, each invisible one escaped (`escape_invisible`), `…` when cut. Never used
/// on tokens or keys.
pub fn printable(s: &str, max: usize) -> String {
    let mut end = s.len();
    let mut cut = false;
    if let Some((i, _)) = s.char_indices().nth(max) {
        end = i;
        cut = true;
    }
    let mut out = escape_invisible(&s[..end]).into_owned();
    if cut {
        out.push('…');
    }
    out
}

/// The current time in seconds since the epoch, as a float (JWT NumericDate).
pub fn now_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_bidi_controls_and_other_invisible_characters() {
        for c in ['\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}'] {
            let s = format!("kid{c}gpj.exe");
            let e = escape_invisible(&s);
            assert_eq!(e, format!("kid\\u{{{:x}}}gpj.exe", c as u32));
            assert!(!e.contains(c));
        }
        // Cc (C0, DEL, C1), other Cf, separators, zero-width and tag characters.
        for c in ['\0', '\n', '\r', '\t', '\u{1B}', '\u{7F}', '\u{85}', '\u{9F}', '\u{AD}', '\u{200B}', '\u{200D}', '\u{2028}', '\u{2029}', '\u{2060}', '\u{FEFF}', '\u{FE0F}', '\u{E0041}', '\u{E007F}', '\u{1D173}', '\u{FFF9}'] {
            assert!(is_invisible(c), "{:x}", c as u32);
            assert_eq!(escape_invisible(&c.to_string()), format!("\\u{{{:x}}}", c as u32));
        }
        // Visible text is kept as it is, and not copied.
        for s in ["HS256", "caf\u{e9} \u{65e5}\u{672c}", "a b", "\u{1F600}", "\u{A0}x", "\\u{202e} (already text)", ""] {
            assert!(matches!(escape_invisible(s), Cow::Borrowed(b) if b == s), "{s:?}");
        }
        for c in [' ', '~', '\u{A0}', '\u{A1}', '\u{3000}', '\u{FFFD}', '\u{10FFFF}', '\u{E1000}', '\u{110BC}'] {
            assert!(!is_invisible(c), "{:x}", c as u32);
        }
    }

    #[test]
    fn the_table_is_sorted_and_disjoint() {
        for w in INVISIBLE.windows(2) {
            assert!(w[0].0 <= w[0].1 && w[0].1 < w[1].0, "{w:x?}");
        }
        for &(lo, hi) in &INVISIBLE {
            for c in [lo, hi] {
                assert!(char::from_u32(c).map(is_invisible).unwrap_or(true));
            }
            if let Some(c) = char::from_u32(hi + 1) {
                assert!(!is_invisible(c) || INVISIBLE.iter().any(|r| r.0 == hi + 1), "{:x}", hi + 1);
            }
        }
    }

    #[test]
    fn printable_cuts_by_characters_then_escapes() {
        assert_eq!(printable("abc", 5), "abc");
        assert_eq!(printable("abcdef", 3), "abc…");
        assert_eq!(printable("a\u{202E}cba", 2), "a\\u{202e}…");
        assert_eq!(printable("\u{e9}\u{e9}\u{e9}", 2), "\u{e9}\u{e9}…");
        assert_eq!(printable("a\nb", 10), "a\\u{a}b");
    }
}
