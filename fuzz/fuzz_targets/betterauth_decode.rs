#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| authbridge::fuzz::betterauth_decode(data));
