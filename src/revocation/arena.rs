//! The records of one shard of an `IdTable`: `[id length: u16 LE][time: f64 LE][id bytes]`,
//! appended in segments of 128 KiB that are never moved. Growing never copies what is there
//! (a `Vec` of records would, all shards about at once), and a segment is filled before the
//! next is taken, so the arena holds at most one partly used segment.

/// Bytes before a record's id: its length (u16) and its time (f64).
const HEAD: usize = 10;

/// Bits of a record's offset that are its place in its segment; the others are the segment.
const SEGMENT_BITS: u32 = 17;

/// Bytes of a segment: the largest record (10 + 65535 bytes) fits in one.
const SEGMENT: usize = 1 << SEGMENT_BITS;

/// Segments an arena can hold: offsets are u32 (4 GiB of records).
const MAX_SEGMENTS: usize = 1 << (32 - SEGMENT_BITS);

#[derive(Default)]
pub(super) struct Arena {
    segments: Vec<Vec<u8>>,
}

impl Arena {
    /// Appends a record; its offset, or None when the arena is full or the id is longer than
    /// 65535 bytes.
    pub(super) fn push(&mut self, id: &[u8], time: f64) -> Option<u32> {
        let len = u16::try_from(id.len()).ok()?;
        let need = HEAD + id.len();
        if !self.segments.last().is_some_and(|s| s.len() + need <= SEGMENT) {
            if self.segments.len() == MAX_SEGMENTS {
                return None;
            }
            // The first segment grows as it fills (a short list stays small); the others
            // are taken whole.
            let capacity = if self.segments.is_empty() { 0 } else { SEGMENT };
            self.segments.push(Vec::with_capacity(capacity));
        }
        let k = self.segments.len() - 1;
        let segment = &mut self.segments[k];
        let at = ((k << SEGMENT_BITS) | segment.len()) as u32;
        segment.extend_from_slice(&len.to_le_bytes());
        segment.extend_from_slice(&time.to_le_bytes());
        segment.extend_from_slice(id);
        Some(at)
    }

    /// The segment of the record at `at`, and where the record starts in it.
    #[inline(always)]
    fn place(&self, at: u32) -> (&[u8], usize) {
        (&self.segments[(at >> SEGMENT_BITS) as usize], (at as usize) & (SEGMENT - 1))
    }

    /// The id of the record at `at`.
    #[inline(always)]
    pub(super) fn id(&self, at: u32) -> &[u8] {
        let (s, at) = self.place(at);
        let len = u16::from_le_bytes([s[at], s[at + 1]]) as usize;
        &s[at + HEAD..at + HEAD + len]
    }

    pub(super) fn time(&self, at: u32) -> f64 {
        let (s, at) = self.place(at);
        let mut b = [0u8; 8];
        b.copy_from_slice(&s[at + 2..at + 10]);
        f64::from_le_bytes(b)
    }

    pub(super) fn set_time(&mut self, at: u32, t: f64) {
        let s = &mut self.segments[(at >> SEGMENT_BITS) as usize];
        let at = (at as usize) & (SEGMENT - 1);
        s[at + 2..at + 10].copy_from_slice(&t.to_le_bytes());
    }

    /// Every record's offset, in arena order.
    pub(super) fn records(&self) -> impl Iterator<Item = u32> + '_ {
        self.segments.iter().enumerate().flat_map(|(k, s)| {
            let mut at = 0usize;
            std::iter::from_fn(move || {
                if at >= s.len() {
                    return None;
                }
                let here = ((k << SEGMENT_BITS) | at) as u32;
                at += HEAD + u16::from_le_bytes([s[at], s[at + 1]]) as usize;
                Some(here)
            })
        })
    }
}
