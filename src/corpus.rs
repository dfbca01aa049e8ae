//! What the pipeline keeps of each document once its text is gone: its metadata and its
//! shingle set, all sets back to back in one flat vector (no per-document allocation).

/// What later stages need of one document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocInfo {
    /// The document's id.
    pub id: String,
    /// Publication time (seconds since the epoch), when known.
    pub date: Option<i64>,
    /// Headline, when known.
    pub title: Option<String>,
    /// Length of the text in bytes.
    pub len: u32,
    /// Its outlet, as an index into [`Corpus::sources`], when known.
    pub source: Option<u32>,
    /// Which input it came from (index into the input list).
    pub input: u32,
    /// Its line (JSONL) or file number (text folders) in that input, 1-based.
    pub line: u64,
    /// What furniture its text is, when it is a page without a story (its set is then
    /// empty; see [`crate::junk`]).
    pub junk: Option<crate::junk::Junk>,
}

impl DocInfo {
    /// A document known only by its id: no date, headline, outlet or place in an input, for
    /// callers that fill a [`Corpus`] themselves.
    pub fn new(id: impl Into<String>) -> Self {
        DocInfo {
            id: id.into(),
            date: None,
            title: None,
            len: 0,
            source: None,
            input: 0,
            line: 0,
            junk: None,
        }
    }
}

/// Documents and their shingle sets.
#[derive(Debug, Default)]
pub struct Corpus {
    /// Per-document metadata, in input order.
    pub docs: Vec<DocInfo>,
    /// Outlet names, each once.
    pub sources: Vec<String>,
    source_ids: std::collections::HashMap<String, u32>,
    offsets: Vec<usize>,
    shingles: Vec<u32>,
    /// Where each shingle first occurs in its text (0-255), parallel to `shingles`, in a
    /// corpus made [`Corpus::with_positions`]; else empty.
    positions: Vec<u8>,
    positioned: bool,
}

impl Corpus {
    /// An empty corpus.
    pub fn new() -> Self {
        Corpus {
            docs: Vec::new(),
            sources: Vec::new(),
            source_ids: Default::default(),
            offsets: vec![0],
            shingles: Vec::new(),
            positions: Vec::new(),
            positioned: false,
        }
    }

    /// An empty corpus that keeps where each shingle occurs (see
    /// [`crate::shingle::text_shingles_positioned`]): a quarter more memory.
    pub fn with_positions() -> Self {
        Corpus {
            positioned: true,
            ..Corpus::new()
        }
    }

    /// Reserves room for about `shingles` more stored shingles (growing a vector of hundreds
    /// of megabytes by doubling copies it several times over).
    pub fn reserve_shingles(&mut self, shingles: usize) {
        self.shingles.reserve(shingles);
        if self.positioned {
            self.positions.reserve(shingles);
        }
    }

    /// Adds a document with its (sorted, distinct) shingle set, in a corpus without
    /// positions.
    pub fn push(&mut self, doc: DocInfo, set: &[u32]) {
        assert!(
            !self.positioned,
            "this corpus needs positions: push_positioned"
        );
        self.docs.push(doc);
        self.shingles.extend_from_slice(set);
        self.offsets.push(self.shingles.len());
    }

    /// Adds a document with its shingle set and the positions of its shingles, in a corpus
    /// made [`Corpus::with_positions`].
    pub fn push_positioned(&mut self, doc: DocInfo, set: &[u32], positions: &[u8]) {
        assert!(self.positioned && set.len() == positions.len());
        self.docs.push(doc);
        self.shingles.extend_from_slice(set);
        self.positions.extend_from_slice(positions);
        self.offsets.push(self.shingles.len());
    }

    /// The index of outlet `name`, adding it when new.
    pub fn intern_source(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.source_ids.get(name) {
            return i;
        }
        let i = self.sources.len() as u32;
        self.sources.push(name.to_string());
        self.source_ids.insert(name.to_string(), i);
        i
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// True when there are no documents.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The shingle set of document `i`.
    pub fn set(&self, i: usize) -> &[u32] {
        &self.shingles[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Asks the cache for where set `i` lies (see [`Corpus::set`]), ahead of a random read.
    #[inline(always)]
    pub fn prefetch_bounds(&self, i: usize) {
        crate::mem::prefetch(&self.offsets[i..i + 2]);
    }

    /// Where the shingles of document `i` occur (parallel to [`Corpus::set`]), when the
    /// corpus keeps positions.
    pub fn positions(&self, i: usize) -> Option<&[u8]> {
        self.positioned
            .then(|| &self.positions[self.offsets[i]..self.offsets[i + 1]])
    }

    /// A new corpus of the documents `keep` accepts, in the same order.
    pub fn filter(&self, keep: impl Fn(usize) -> bool) -> Corpus {
        let mut c = if self.positioned {
            Corpus::with_positions()
        } else {
            Corpus::new()
        };
        for i in (0..self.len()).filter(|&i| keep(i)) {
            let mut info = self.docs[i].clone();
            info.source = info
                .source
                .map(|s| c.intern_source(&self.sources[s as usize]));
            match self.positions(i) {
                Some(p) => c.push_positioned(info, self.set(i), p),
                None => c.push(info, self.set(i)),
            }
        }
        c
    }

    /// Total number of stored shingles.
    pub fn total_shingles(&self) -> usize {
        self.shingles.len()
    }

    /// Rewrites every set in place with `f`, which gets a document's index, set and positions
    /// (empty when the corpus keeps none) and moves the items it keeps to the front of both,
    /// in order, returning how many. Runs in parallel; sets only shrink.
    pub fn retain_sets(&mut self, f: impl Fn(usize, &mut [u32], &mut [u8]) -> usize + Sync) {
        use rayon::prelude::*;
        let mut slices = Vec::with_capacity(self.docs.len());
        let (mut rest, mut rest_pos) =
            (self.shingles.as_mut_slice(), self.positions.as_mut_slice());
        for w in self.offsets.windows(2) {
            let (head, tail) = rest.split_at_mut(w[1] - w[0]);
            let (head_pos, tail_pos) = if self.positioned {
                rest_pos.split_at_mut(w[1] - w[0])
            } else {
                (Default::default(), rest_pos)
            };
            slices.push((head, head_pos));
            rest = tail;
            rest_pos = tail_pos;
        }
        let kept: Vec<usize> = slices
            .into_par_iter()
            .enumerate()
            .map(|(i, (s, p))| f(i, s, p))
            .collect();
        // Close the gaps left by shrunk sets, front to back.
        let mut write = 0;
        for (i, k) in kept.into_iter().enumerate() {
            let start = self.offsets[i];
            self.shingles.copy_within(start..start + k, write);
            if self.positioned {
                self.positions.copy_within(start..start + k, write);
            }
            self.offsets[i] = write;
            write += k;
        }
        *self.offsets.last_mut().expect("offsets start with 0") = write;
        self.shingles.truncate(write);
        self.shingles.shrink_to_fit();
        if self.positioned {
            self.positions.truncate(write);
            self.positions.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retain_compacts_sets() {
        let mut c = Corpus::new();
        c.push(DocInfo::new("a"), &[1, 2, 3, 4]);
        c.push(DocInfo::new("b"), &[]);
        c.push(DocInfo::new("c"), &[5, 6, 7]);
        c.retain_sets(|_, s, p| {
            assert!(p.is_empty());
            let mut w = 0;
            for r in 0..s.len() {
                if s[r] % 2 == 1 {
                    s[w] = s[r];
                    w += 1;
                }
            }
            w
        });
        assert_eq!(c.set(0), &[1, 3]);
        assert_eq!(c.set(1), &[] as &[u32]);
        assert_eq!(c.set(2), &[5, 7]);
        assert_eq!(c.total_shingles(), 4);
        assert_eq!(c.positions(0), None);
    }

    #[test]
    fn positions_follow_their_shingles() {
        let mut c = Corpus::with_positions();
        c.push_positioned(DocInfo::new("a"), &[1, 2, 3, 4], &[40, 30, 20, 10]);
        c.push_positioned(DocInfo::new("b"), &[5, 6, 7], &[1, 2, 3]);
        c.retain_sets(|_, s, p| {
            let mut w = 0;
            for r in 0..s.len() {
                if s[r] % 2 == 1 {
                    s[w] = s[r];
                    p[w] = p[r];
                    w += 1;
                }
            }
            w
        });
        assert_eq!(c.set(0), &[1, 3]);
        assert_eq!(c.positions(0), Some(&[40u8, 20][..]));
        assert_eq!(c.positions(1), Some(&[1u8, 3][..]));
        let f = c.filter(|i| i == 1);
        assert_eq!(f.positions(0), Some(&[1u8, 3][..]));
    }
}
