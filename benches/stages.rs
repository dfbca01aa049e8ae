//! Criterion micro-benchmarks, one group per pipeline stage, on the bundled sample stories.
//! `cargo bench --bench stages` (add `-- minhash` to run one group).

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wiretrace::corpus::{Corpus, DocInfo};
use wiretrace::lsh::{self, Bands};
use wiretrace::minhash::{MinHasher, Scheme};
use wiretrace::normalize::{normalize, NormalizeOptions};
use wiretrace::shingle::{shingles, text_shingles, text_shingles_positioned, ShingleKind};
use wiretrace::verify::Similarity;

/// The texts of the sample dump.
fn texts() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data/news.jsonl");
    std::fs::read_to_string(path)
        .expect("sample_data/news.jsonl")
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["text"].as_str().unwrap().to_string()
        })
        .collect()
}

fn sets(texts: &[String], sample: u32) -> Vec<Vec<u32>> {
    texts
        .iter()
        .map(|t| {
            let mut s = Vec::new();
            shingles(
                &normalize(t, NormalizeOptions::default()),
                ShingleKind::Char(6),
                sample,
                &mut s,
            );
            s
        })
        .collect()
}

fn bench_normalize(c: &mut Criterion) {
    let texts = texts();
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut g = c.benchmark_group("normalize");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("sample corpus", |b| {
        b.iter(|| {
            for t in &texts {
                black_box(normalize(t, NormalizeOptions::default()));
            }
        })
    });
    g.finish();
}

fn bench_shingle(c: &mut Criterion) {
    let norm: Vec<String> = texts()
        .iter()
        .map(|t| normalize(t, NormalizeOptions::default()))
        .collect();
    let bytes: usize = norm.iter().map(String::len).sum();
    let mut g = c.benchmark_group("shingle");
    g.throughput(Throughput::Bytes(bytes as u64));
    for (name, kind, sample) in [
        ("char6", ShingleKind::Char(6), 0),
        ("char6 sample 1/2", ShingleKind::Char(6), 1),
        ("word3", ShingleKind::Word(3), 0),
    ] {
        g.bench_function(name, |b| {
            let mut out = Vec::new();
            b.iter(|| {
                for t in &norm {
                    out.clear();
                    shingles(t, kind, sample, &mut out);
                }
                black_box(out.len())
            })
        });
    }
    // What dedup runs: normalizing and shingling raw text in one pass, with and without the
    // positions the attach linkage weighs.
    let raw = texts();
    let o = NormalizeOptions::default();
    g.bench_function("raw text, char6 sample 1/2", |b| {
        let (mut out, mut scratch) = (Vec::new(), String::new());
        b.iter(|| {
            for t in &raw {
                out.clear();
                text_shingles(t, o, ShingleKind::Char(6), 1, &mut scratch, &mut out);
            }
            black_box(out.len())
        })
    });
    g.bench_function("raw text, char6 sample 1/2, positions", |b| {
        let (mut out, mut at, mut scratch, mut staging) =
            (Vec::new(), Vec::new(), String::new(), Vec::new());
        b.iter(|| {
            for t in &raw {
                out.clear();
                at.clear();
                text_shingles_positioned(
                    t,
                    o,
                    ShingleKind::Char(6),
                    1,
                    &mut scratch,
                    &mut staging,
                    &mut out,
                    &mut at,
                );
            }
            black_box(out.len())
        })
    });
    g.finish();
}

fn bench_minhash(c: &mut Criterion) {
    let sets = sets(&texts(), 1);
    let mut g = c.benchmark_group("minhash");
    g.throughput(Throughput::Elements(sets.len() as u64));
    for k in [128usize, 256] {
        for (name, scheme) in [
            ("one-permutation", Scheme::OnePermutation),
            ("classic", Scheme::Classic),
        ] {
            let h = MinHasher::new(k, scheme, 1);
            let mut sig = vec![0u32; k];
            g.bench_with_input(BenchmarkId::new(name, k), &k, |b, _| {
                b.iter(|| {
                    for s in &sets {
                        h.signature(s, &mut sig);
                    }
                    black_box(sig[0])
                })
            });
        }
    }
    g.finish();
}

fn bench_lsh(c: &mut Criterion) {
    // Many copies of the sample signatures with a little noise: buckets of realistic sizes.
    let sets = sets(&texts(), 1);
    let h = MinHasher::new(128, Scheme::OnePermutation, 1);
    let bands = Bands::optimal(0.1, 128);
    let mut keys = Vec::new();
    let mut n = 0;
    for copy in 0..40u32 {
        for s in &sets {
            let mut s: Vec<u32> = s
                .iter()
                .map(|&x| if x % 7 == copy % 7 { x ^ copy } else { x })
                .collect();
            s.sort_unstable();
            let mut sig = vec![0u32; 128];
            h.signature(&s, &mut sig);
            lsh::band_keys(&sig, bands, &mut keys);
            n += 1;
        }
    }
    let active = vec![true; n];
    let mut g = c.benchmark_group("lsh");
    g.throughput(Throughput::Elements(n as u64));
    let nb = bands.bands;
    g.bench_function("candidates", |b| {
        b.iter(|| {
            let key = |d: usize, band: usize| keys[d * nb + band];
            black_box(lsh::candidates(key, nb, &active).len())
        })
    });
    g.finish();
}

fn bench_verify(c: &mut Criterion) {
    let sets = sets(&texts(), 1);
    let pairs: Vec<(usize, usize)> = (0..sets.len())
        .flat_map(|a| (a + 1..sets.len()).map(move |b| (a, b)))
        .collect();
    let mut g = c.benchmark_group("verify");
    g.throughput(Throughput::Elements(pairs.len() as u64));
    g.bench_function("exact similarity", |b| {
        b.iter(|| {
            let mut acc = 0u32;
            for &(x, y) in &pairs {
                acc += Similarity::of(&sets[x], &sets[y]).shared;
            }
            black_box(acc)
        })
    });
    g.finish();
}

fn bench_boilerplate(c: &mut Criterion) {
    let sets = sets(&texts(), 1);
    let mut corpus = Corpus::new();
    for copy in 0..20 {
        for (i, s) in sets.iter().enumerate() {
            let source = Some(corpus.intern_source(&format!("outlet{}", (i + copy) % 7)));
            let info = DocInfo {
                source,
                ..DocInfo::new(format!("{copy}-{i}"))
            };
            corpus.push(info, s);
        }
    }
    let mut g = c.benchmark_group("boilerplate");
    g.throughput(Throughput::Elements(corpus.len() as u64));
    g.bench_function("learn", |b| {
        b.iter(|| black_box(wiretrace::boilerplate::Boilerplate::learn(&corpus, 30)))
    });
    g.finish();
}

fn bench_anchors(c: &mut Criterion) {
    // Noisy copies of the sample stories, and for each a cut holding a quarter of it: pairs
    // of unequal sizes under shared anchors, as republishers' cuts make them.
    let sets = sets(&texts(), 1);
    let mut corpus = Corpus::new();
    for copy in 0..40u32 {
        for (i, s) in sets.iter().enumerate() {
            let mut noisy: Vec<u32> = s
                .iter()
                .map(|&x| if x % 7 == copy % 7 { x ^ copy } else { x })
                .collect();
            noisy.sort_unstable();
            let cut: Vec<u32> = noisy.iter().step_by(4).copied().collect();
            for (kind, set) in [("full", &noisy), ("cut", &cut)] {
                corpus.push(DocInfo::new(format!("{copy}-{i}-{kind}")), set);
            }
        }
    }
    let active = vec![true; corpus.len()];
    let mut g = c.benchmark_group("anchors");
    g.throughput(Throughput::Elements(corpus.len() as u64));
    g.bench_function("mates", |b| {
        b.iter(|| {
            let p = wiretrace::anchor::Anchors::default();
            black_box(wiretrace::anchor::mates(&corpus, &active, p).len())
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_normalize,
    bench_shingle,
    bench_minhash,
    bench_lsh,
    bench_anchors,
    bench_verify,
    bench_boilerplate
);
criterion_main!(benches);
