//! Replays the committed fuzz corpus (fuzz/corpus/<target>/*) through the same entry
//! points the fuzzers use, so that a regression on any input found so far fails
//! `cargo test` on stable Rust, without libFuzzer.

use std::path::Path;

#[test]
fn corpus_replays_without_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join("corpus");
    let mut total = 0;
    for (name, target) in authbridge::fuzz::TARGETS {
        let dir = root.join(name);
        let mut count = 0;
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let data = std::fs::read(entry.path()).unwrap();
                target(&data);
                count += 1;
            }
        }
        assert!(count > 0, "no corpus for {name} in {}", dir.display());
        total += count;
    }
    assert!(total >= 5);
}
