"""Story clustering and `mfa` flag quality on the labelled devset, against a plain baseline.

Ingests ../shared/devset/stories.jsonl (read at run time, never copied) into a fresh temporary
archive through the real `ingest` path, then prints pairwise precision/recall/F1 of "same story",
the adjusted Rand index, and precision/recall of the `mfa` flag, each beside a plain TF-IDF cosine
single-linkage baseline computed here at its best threshold.

    .venv/bin/python bench/stories.py
"""

from __future__ import annotations

import io
import itertools
import json
import math
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEVSET = REPO / ".." / "shared" / "devset" / "stories.jsonl"


def pairwise(labels_true: list[str], labels_pred: list) -> tuple[float, float, float]:
    """Precision, recall and F1 of "same story" over all article pairs."""
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(labels_true)), 2):
        same_true = labels_true[i] == labels_true[j]
        same_pred = labels_pred[i] == labels_pred[j]
        tp += same_true and same_pred
        fp += same_pred and not same_true
        fn += same_true and not same_pred
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def adjusted_rand(labels_true: list, labels_pred: list) -> float:
    """Hubert-Arabie adjusted Rand index from the contingency table."""
    def pairs(n: int) -> float:
        return n * (n - 1) / 2

    contingency = Counter(zip(labels_true, labels_pred))
    sum_cells = sum(pairs(n) for n in contingency.values())
    sum_rows = sum(pairs(n) for n in Counter(labels_true).values())
    sum_cols = sum(pairs(n) for n in Counter(labels_pred).values())
    expected = sum_rows * sum_cols / pairs(len(labels_true))
    maximum = (sum_rows + sum_cols) / 2
    return (sum_cells - expected) / (maximum - expected) if maximum != expected else 1.0


def baseline_clusters(texts: list[str], threshold: float) -> list[int]:
    """Plain TF-IDF (lower-cased words, no stemming) cosine, single linkage at `threshold`."""
    docs = [Counter(re.findall(r"\w+", t.lower())) for t in texts]
    df = Counter(w for d in docs for w in d)
    n = len(docs)
    vectors = []
    for d in docs:
        v = {w: c * (math.log((1 + n) / (1 + df[w])) + 1) for w, c in d.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({w: x / norm for w, x in v.items()})
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in itertools.combinations(range(n), 2):
        a, b = vectors[i], vectors[j]
        if sum(x * b.get(w, 0.0) for w, x in a.items()) >= threshold:
            parent[find(i)] = find(j)
    return [find(i) for i in range(n)]


def precision_recall(truth: list[bool], predicted: list[bool]) -> tuple[float, float]:
    tp = sum(t and p for t, p in zip(truth, predicted))
    return tp / max(1, sum(predicted)), tp / max(1, sum(truth))


def main() -> int:
    if not DEVSET.is_file():
        print(f"devset not found at {DEVSET.resolve()}", file=sys.stderr)
        return 2
    from archive.pipeline.ingest import ingest_file
    from archive.schema import open_archive

    records = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        jsonl = Path(tmp) / "devset.jsonl"
        with jsonl.open("w", encoding="utf-8") as out:
            for r in records:
                line = {"url": r["url"], "title": r["title"] or "", "text": r["text"], "published": r["date"], "source": r["source"]}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        db = open_archive(Path(tmp) / "bench.db")
        started = time.perf_counter()
        errors = io.StringIO()
        summary = ingest_file(db, jsonl, errors=errors)
        elapsed = time.perf_counter() - started
        rows = dict(
            (url, (story, mfa)) for url, story, mfa in db.execute("SELECT url, story_id, mfa FROM articles")
        )
        db.conn.close()
    truth_story = [r["story"] for r in records]
    ours_story = [rows[r["url"]][0] for r in records]
    truth_mfa = [bool(r["mfa"]) for r in records]
    ours_mfa = [bool(rows[r["url"]][1]) for r in records]

    texts = [f"{r['title'] or ''} {r['text']}" for r in records]
    best = max(
        ((t / 100, baseline_clusters(texts, t / 100)) for t in range(10, 95, 5)),
        key=lambda tc: pairwise(truth_story, tc[1])[2],
    )
    base_threshold, base_story = best
    # Baseline relevance: the word "МИД" or "Лавров"/"Захарова" anywhere, unstemmed.
    base_mfa = [bool(re.search(r"\b(мид|лавров|захарова)\b", t.lower())) for t in texts]

    print(f"devset: {len(records)} articles, {len(set(truth_story))} stories; ingested {summary.line()} "
          f"in {elapsed:.1f} s ({len(records) / elapsed:.0f} articles/s)")
    print(f"{'metric':<26}{'mfa-archive':>12}{'baseline':>12}{'ratio':>8}")
    p, r, f = pairwise(truth_story, ours_story)
    bp, br, bf = pairwise(truth_story, base_story)
    ari, bari = adjusted_rand(truth_story, ours_story), adjusted_rand(truth_story, base_story)
    mp, mr = precision_recall(truth_mfa, ours_mfa)
    bmp, bmr = precision_recall(truth_mfa, base_mfa)
    for name, ours, base in (
        ("story pair precision", p, bp), ("story pair recall", r, br), ("story pair F1", f, bf),
        ("adjusted Rand index", ari, bari), ("mfa precision", mp, bmp), ("mfa recall", mr, bmr),
    ):
        print(f"{name:<26}{ours:>12.3f}{base:>12.3f}{ours / base if base else float('inf'):>8.2f}")
    print(f"baseline: plain TF-IDF cosine single linkage, best threshold {base_threshold:.2f}; "
          f"mfa baseline: regex мид|лавров|захарова")
    print(f"stories: ours {len(set(ours_story))}, gold {len(set(truth_story))}")
    print("targets: story F1 >= 0.80 with precision >= 0.90; mfa precision and recall >= 0.97")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
