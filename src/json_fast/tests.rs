//! Unit tests of the fast claim scanner: its pieces against byte loops, and the whole
//! against serde_json (the fuzz targets in fuzz/ do the same at scale).

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
