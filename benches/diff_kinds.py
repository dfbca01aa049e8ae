#!/usr/bin/env python3
"""Measures `wiretrace diff` against the edits the simulator recorded.

For every document of a wiresim corpus that has a parent, diffs parent → child and checks
that each recorded edit (the truth's `ops`) is reported with the matching kind, and that
`truncated` is not claimed where nothing was cut. A paragraph deleted right after the
last one the child keeps gives the very text a cut gives; those pairs are also reported apart.

    python3 benches/diff_kinds.py [--corpus ../shared/eval/dev/wire_dev.jsonl]
"""
import argparse, collections, json, os, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEV = os.path.join(ROOT, "..", "shared", "eval", "dev")
# truth op → the edit kind that must report it (None: not scored)
EXPECT = {
    "truncate": "truncated",
    "insert_local_para": "paragraph_added",
    "update_append": "paragraph_added",
    "delete_para": "paragraph_removed",
    "swap_paras": "paragraph_moved",
    "headline_rewrite": "headline_changed",
    "boilerplate": "boilerplate_added",
    "dateline": "dateline_changed",
    "word_subst": "words_changed",
    "ocr_noise": "noise",
}
TARGET = {"truncated", "paragraph_added", "paragraph_removed", "paragraph_moved", "headline_changed"}


def parent_paragraphs_swapped(ops):
    """Whether the truth's swap exchanged two of the parent's paragraphs (not one the
    republisher inserted), replaying the ops in the simulator's order on paragraph origins;
    None after a cut inside a paragraph (how many paragraphs it kept is not recorded)."""
    items = list(range(1000))
    for o in ops:
        if o["op"] == "truncate":
            if o["unit"] != "paras":
                return None
            items = items[:o["keep"]]
        elif o["op"] == "insert_local_para":
            items.insert(o["at"], "inserted")
        elif o["op"] == "delete_para":
            del items[o["at"]]
        elif o["op"] == "swap_paras":
            return "inserted" not in (items[o["a"]], items[o["b"]])
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=os.path.join(DEV, "wire_dev.jsonl"))
    ap.add_argument("--truth", default=None)
    a = ap.parse_args()
    truth_path = a.truth or a.corpus.replace(".jsonl", ".truth.jsonl")
    if not os.path.exists(a.corpus):
        sys.exit(f"diff_kinds: {a.corpus} is absent")
    truth = [json.loads(l) for l in open(truth_path)]
    pairs = [(t["parent"], t["id"], t.get("ops", [])) for t in truth if t.get("parent")]
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "wiretrace")
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for p, c, _ in pairs:
            f.write(json.dumps({"a": p, "b": c}) + "\n")
    out = subprocess.run([exe, "diff", "--pairs", f.name, "--corpus", a.corpus, "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    os.unlink(f.name)
    reports = [json.loads(l) for l in out.splitlines()]
    hit, total = collections.Counter(), collections.Counter()
    trunc_fp = trunc_neg = 0
    # A paragraph deleted after the last one the child keeps leaves exactly the text a cut
    # leaves: no method can tell them apart. Such pairs (the child keeps a gap-free run of the
    # parent's paragraphs from the top) are also counted apart.
    tail_del = tail_del_hit = tail_fp = 0
    # A swap of a paragraph the republisher inserted with its neighbour leaves the same text
    # as inserting it one place over: nothing of the parent's moved. Swaps are also counted
    # where both paragraphs come from the parent (replaying the truth's ops on paragraph
    # origins); those after a cut inside a paragraph are counted apart (the cut's length in
    # paragraphs is not in the truth).
    swap_seen = swap_seen_hit = swap_cut = swap_cut_hit = 0
    for (p, c, ops), r in zip(pairs, reports):
        kinds = {e["kind"] for e in r["edits"]}
        names = {o["op"] for o in ops}
        kept = [x["a"] for x in r["paragraphs"] if x["op"] != "removed" and x.get("a") is not None]
        removed = [x["a"] for x in r["paragraphs"] if x["op"] == "removed"]
        tail_only = not any(a < max(kept, default=-1) for a in removed)
        for o in names:
            k = EXPECT.get(o)
            if k:
                total[o] += 1
                hit[o] += k in kinds
        if "swap_paras" in names:
            seen = parent_paragraphs_swapped(ops)
            moved = "paragraph_moved" in kinds
            if seen is None:
                swap_cut += 1
                swap_cut_hit += moved
            elif seen:
                swap_seen += 1
                swap_seen_hit += moved
        if "delete_para" in names and tail_only:
            tail_del += 1
            tail_del_hit += "paragraph_removed" in kinds
        if "truncate" not in names:
            trunc_neg += 1
            trunc_fp += "truncated" in kinds
            tail_fp += "truncated" in kinds and "delete_para" in names and tail_only
    print(f"{len(pairs)} parent → child pairs from {os.path.basename(a.corpus)}")
    print(f"{'truth op':20s} {'reported as':20s} {'found':>7s} {'of':>6s} {'share':>7s}")
    for o, k in EXPECT.items():
        if total[o]:
            mark = "  (target ≥ 0.90)" if k in TARGET else ""
            print(f"{o:20s} {k:20s} {hit[o]:7d} {total[o]:6d} {hit[o] / total[o]:7.3f}{mark}")
    print(f"truncated claimed on {trunc_fp} of {trunc_neg} pairs that were not cut: {trunc_fp / max(1, trunc_neg):.3f} (target ≤ 0.05)")
    if total["swap_paras"]:
        print(f"\nswap_paras of two paragraphs from the parent: paragraph_moved found {swap_seen_hit} of {swap_seen}: "
              f"{swap_seen_hit / max(1, swap_seen):.3f}; {total['swap_paras'] - swap_seen - swap_cut} swaps moved an "
              f"inserted paragraph only (the text of an insertion one place over); after a cut inside a paragraph: "
              f"{swap_cut_hit} of {swap_cut}")
    if total["delete_para"]:
        d, dh = total["delete_para"] - tail_del, hit["delete_para"] - tail_del_hit
        print(f"\n{tail_del} deleted paragraphs were the last the child keeps (the same text as a cut).")
        print(f"Without them: delete_para found {dh} of {d}: {dh / max(1, d):.3f}; truncated claimed on "
              f"{trunc_fp - tail_fp} of {trunc_neg - tail_fp} uncut pairs: {(trunc_fp - tail_fp) / max(1, trunc_neg - tail_fp):.3f}")


if __name__ == "__main__":
    main()
