"""Quote extraction and checking on a labelled set (bench/quote_cases.py).

Prints the precision and recall of quote extraction (a found quote matches a labelled one
when they share at least MATCH_OVERLAP of each other's words), the accuracy of the speakers of
the matched quotes, and the accuracy of the verdicts against the primary text by kind of
case, with the dropped negations and changed numbers counted apart: each must be caught
(not pass as verbatim or near). Targets: precision >= 0.95, recall >= 0.90, every negation
and number caught.

    .venv/bin/python bench/quotes.py [--verbose]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archive.quotes.compare import Normalised, check_quote  # noqa: E402
from archive.quotes.find import find_quotes  # noqa: E402
from archive.quotes.speakers import normalise_name  # noqa: E402
from bench.quote_cases import CASES, HELD_OUT  # noqa: E402

MATCH_OVERLAP = 0.7
_WORD = re.compile(r"\w+")
TARGETS = {"precision": 0.95, "recall": 0.90}


def _words(text: str) -> set[str]:
    return {w.lower().replace("ё", "е") for w in _WORD.findall(text)}


def matches(found: str, labelled: str) -> bool:
    a, b = _words(found), _words(labelled)
    if not a or not b:
        return False
    shared = len(a & b)
    return shared / len(a) >= MATCH_OVERLAP and shared / len(b) >= MATCH_OVERLAP


def verdict_of(quote, primary: Normalised, primary_speaker: str) -> str:
    """The checker's verdict, with a quote in the primary text but from someone else's mouth
    as "wrong_speaker" (as archive.link.primary records it)."""
    check = check_quote(quote.text, primary)
    if check.verdict in ("verbatim", "near") and quote.speaker is not None:
        actual = normalise_name(primary_speaker)
        if actual is not None and actual.person and quote.speaker.person and actual.key != quote.speaker.key:
            return "wrong_speaker"
    return check.verdict


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every miss")
    args = parser.parse_args()
    met = True
    for name, cases in (("the set the checker was developed on (CASES)", CASES),
                        ("the held-out set, written after the checker's last change (HELD_OUT)", HELD_OUT)):
        print(f"== {name}")
        met &= evaluate(cases, args.verbose)
    return 0 if met else 1


def evaluate(cases: list[dict], verbose: bool) -> bool:
    """Print the figures for one labelled set; True when its targets are met."""
    found_total = labelled_total = true_positives = 0
    speakers_right = speakers_total = 0
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    caught = {"negation": [0, 0], "number": [0, 0]}
    for number, case in enumerate(cases, 1):
        found = find_quotes(case["article"])
        labelled = case["quotes"]
        found_total += len(found)
        labelled_total += len(labelled)
        used: set[int] = set()
        for words, speaker, verdict in labelled:
            match = next((i for i, q in enumerate(found) if i not in used and matches(q.text, words)), None)
            if match is None:
                if verbose:
                    print(f"case {number} ({case['kind']}): missed «{words[:70]}»")
                continue
            used.add(match)
            true_positives += 1
            quote = found[match]
            speakers_total += 1
            got_speaker = quote.speaker.name if quote.speaker else None
            speakers_right += got_speaker == speaker
            if got_speaker != speaker and verbose:
                print(f"case {number} ({case['kind']}): speaker {got_speaker!r} != {speaker!r} for «{words[:50]}»")
            if verdict is None or case["primary"] is None:
                continue
            got = verdict_of(quote, Normalised(case["primary"]), case["primary_speaker"])
            by_kind[case["kind"]][1] += 1
            by_kind[case["kind"]][0] += got == verdict
            if got != verdict and verbose:
                print(f"case {number} ({case['kind']}): verdict {got} != {verdict} for «{words[:50]}»")
            if case["kind"] in caught and verdict == "not_found" and quote.kind == "direct":
                caught[case["kind"]][1] += 1
                caught[case["kind"]][0] += got not in ("verbatim", "near")
        if verbose:
            for i, quote in enumerate(found):
                if i not in used:
                    print(f"case {number} ({case['kind']}): extra «{quote.text[:70]}» ({quote.speaker.name if quote.speaker else None})")
    precision = true_positives / found_total if found_total else 1.0
    recall = true_positives / labelled_total if labelled_total else 1.0
    print(f"{len(cases)} cases, {labelled_total} labelled quotes, {found_total} found")
    print(f"quote extraction: precision {precision:.3f}, recall {recall:.3f} (targets >= {TARGETS['precision']}, >= {TARGETS['recall']})")
    print(f"speaker accuracy on matched quotes: {speakers_right}/{speakers_total} = {speakers_right / max(1, speakers_total):.3f}")
    print("verdict accuracy by kind of case:")
    for kind in sorted(by_kind):
        right, total = by_kind[kind]
        print(f"  {kind:14} {right}/{total} = {right / total:.3f}")
    for kind, (right, total) in caught.items():
        print(f"{'dropped negations' if kind == 'negation' else 'changed numbers'} caught: {right}/{total}")
    met = (precision >= TARGETS["precision"] and recall >= TARGETS["recall"]
           and all(right == total for right, total in caught.values()))
    print(f"targets: {'met' if met else 'NOT met'}")
    return met


if __name__ == "__main__":
    sys.exit(main())
