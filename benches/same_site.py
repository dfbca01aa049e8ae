#!/usr/bin/env python3
"""Same-site pages: different stories wrapped in one site's whole-page chrome, as a WET file
or a page-text dump holds them, and the same story republished or re-crawled. Measures how
well `wiretrace dedup` keeps different stories of one site apart (the chrome is shared) while
still joining the versions of one story.

The chrome is real: the development crawl's 89 real pages as Common Crawl's WET gives their
whole text, each cut where its article begins and ends (located by the page's known article
text). Around the article of a real page, the head (menus, breadcrumbs, banners) and the tail
(related and most-read lists, footers, sign-up forms) of the page are kept; the article is
replaced by other stories (BBC articles from the shared base), with the page's title swapped
for the story's. Per chrome:

- three different stories in it (negatives that share the whole chrome);
- a re-crawl of one of them in the same chrome with part of the chrome changed (a third of
  its lines replaced by lines of another site's chrome, as menus and lists change);
- a republication of one of them in another site's chrome, its last paragraph cut;

plus the 89 real pages themselves (several sites have 2-5). Truth: one cluster per story.

    python3 benches/same_site.py [--seed 3] [--out /tmp/same-site]

Prints pairwise precision, recall and F1 of `wiretrace dedup` on the corpus (given as JSON
Lines with the URL's host as `source`, as the team's held-out measure gives it). Needs
../shared/eval (dev/crawl_dev.wet.gz, dev/crawl_pages.jsonl.gz, base/bbc_base.jsonl).
"""
import argparse, gzip, json, os, random, subprocess, sys
from urllib.parse import urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def page_texts(exe, ev):
    """url -> whole-page text of the dev crawl's WET conversion records."""
    out = subprocess.run([exe, "convert", os.path.join(ev, "dev", "crawl_dev.wet.gz"), "-q"],
                         check=True, capture_output=True).stdout.decode()
    return {d["url"]: d["text"] for d in map(json.loads, out.splitlines())}


def chromes(pages, texts):
    """(url, host, title, head, tail) of each real page whose article is found in its text."""
    found = []
    for p in pages:
        t = texts.get(p["url"])
        lines = [l.strip() for l in p["body"].split("\n") if len(l.strip()) > 30]
        if not t or not lines:
            continue
        a, b = t.find(lines[0][:40]), t.rfind(lines[-1][-40:])
        if a < 0 or b <= a:
            continue
        head, tail = t[:a], t[b + 40:]
        # Only pages with real chrome: a bare article gives no same-site case.
        if len(head) + len(tail) < 600:
            continue
        host = urlparse(p["url"]).netloc.removeprefix("www.")
        found.append((p["url"], host, p.get("title") or "", head, tail))
    return found


def wrap(chrome, title, text):
    _, _, old_title, head, tail = chrome
    if old_title:
        head = head.replace(old_title.strip(), title)
    return head + text + "\n" + tail


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--eval-dir", default=os.path.join(ROOT, "..", "shared", "eval"))
    ap.add_argument("--out", default="/tmp/same-site")
    ap.add_argument("--exe", default=os.path.join(ROOT, "target", "release", "wiretrace"))
    ap.add_argument("dedup_args", nargs="*", help="more arguments for wiretrace dedup")
    a = ap.parse_args()
    ev = os.path.abspath(a.eval_dir)
    if not os.path.exists(os.path.join(ev, "dev", "crawl_pages.jsonl.gz")):
        sys.exit(f"{ev} is absent: same_site.py needs the shared development crawl there")
    rng = random.Random(a.seed)
    pages = [json.loads(l) for l in gzip.open(os.path.join(ev, "dev", "crawl_pages.jsonl.gz"), "rt")]
    texts = page_texts(a.exe, ev)
    cs = chromes(pages, texts)
    base = [json.loads(l) for l in open(os.path.join(ev, "base", "bbc_base.jsonl"))]
    rng.shuffle(base)
    stories = iter(base)

    docs, truth = [], []

    def add(id_, url, text, cluster, parent=None):
        docs.append({"id": id_, "url": url, "source": urlparse(url).netloc.removeprefix("www."), "text": text})
        truth.append({"id": id_, "cluster": cluster, "parent": parent})

    for p in pages:
        if p["url"] in texts:
            add(p["url"], p["url"], texts[p["url"]], p["url"])
    for i, c in enumerate(cs):
        url = c[0]
        for k in range(3):
            s = next(stories)
            title = s["text"].split("\n")[0][:80]
            sid = f"c{i}-s{k}"
            add(sid, f"{url}?story={k}", wrap(c, title, s["text"]), sid)
            if k == 0:
                # A re-crawl: a third of the chrome's lines replaced by another site's.
                other = cs[rng.randrange(len(cs))]
                donor = [l for l in (other[3] + other[4]).split("\n") if l.strip()]
                head, tail = c[3].split("\n"), c[4].split("\n")
                for part in (head, tail):
                    for j in range(len(part)):
                        if donor and rng.random() < 1 / 3:
                            part[j] = rng.choice(donor)
                changed = (c[0], c[1], c[2], "\n".join(head), "\n".join(tail))
                add(f"{sid}-recrawl", f"{url}?story={k}&again", wrap(changed, title, s["text"]), sid, sid)
            if k == 1:
                # Republished in another site's page, its last paragraph cut.
                other = cs[(i + 1 + rng.randrange(len(cs) - 1)) % len(cs)]
                paras = s["text"].split("\n\n")
                cut = "\n\n".join(paras[:-1]) if len(paras) > 2 else s["text"]
                add(f"{sid}-repub", f"{other[0]}?repub={sid}", wrap(other, title, cut), sid, sid)
    os.makedirs(a.out, exist_ok=True)
    corpus, tpath, rows = (os.path.join(a.out, n) for n in ("corpus.jsonl", "truth.jsonl", "rows.jsonl"))
    with open(corpus, "w") as f:
        f.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in docs)
    with open(tpath, "w") as f:
        f.writelines(json.dumps(t) + "\n" for t in truth)
    subprocess.run([a.exe, "dedup", corpus, "-q", "-o", rows] + a.dedup_args, check=True)
    q = json.loads(subprocess.run([a.exe, "eval", "--format", "json", "--truth", tpath, rows],
                                  check=True, capture_output=True).stdout)
    print(f"{len(docs)} pages from {len(cs)} chromes: precision {q['precision']:.4f} recall {q['recall']:.4f} "
          f"F1 {q['f1']:.4f} ({q.get('predicted_pairs', '?')} predicted, {q.get('true_pairs', '?')} true pairs)")


if __name__ == "__main__":
    main()
