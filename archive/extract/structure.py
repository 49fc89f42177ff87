"""Step 5: what kind of document a page is, and the structure of its text.

Both come from the site's profile, as data: `doc_types` names the kinds by title and URL path,
and `question_lines` / `speaker_lines` recognise the turns of a transcript ("Вопрос: ...",
"М.В.Захарова: ..."). The text itself stays exactly as printed, speaker labels included; the
structure is a list of `Part` spans over it, so a press report can be linked to the part of a
briefing it reports and a quote to the turn it came from.

A part is what a report covers: a topic section (its subheading and what follows), or a
question with its answer. Every question opens a part of its own unless it is the first thing
under a new subheading.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from archive.models import Part
from archive.profile import Profile


def doc_type(profile: Profile, title: str, url: str) -> str | None:
    """The kind of document by the profile's rules; None for a site that names no kinds."""
    if not profile.doc_types:
        return None
    return profile.doc_type(title, urlsplit(url).path or "/")


def has_structure(profile: Profile) -> bool:
    """Only sites whose profile knows how turns are marked get a structure (none for the press)."""
    return bool(profile.question_lines or profile.speaker_lines or profile.answer_lines)


def text_parts(paragraphs: list[str], headings: list[bool], profile: Profile) -> list[Part]:
    """The turns and parts of a text made of `paragraphs` joined by blank lines."""
    parts: list[Part] = []
    number, heading = 0, None
    part_has_text = False
    turn: dict | None = None
    last_kind: str | None = None
    offset = 0

    def close() -> None:
        nonlocal turn
        if turn is not None:
            parts.append(Part(**turn))
            turn = None

    for paragraph, is_heading in zip(paragraphs, headings):
        start, end = offset, offset + len(paragraph)
        offset = end + 2
        if is_heading:
            close()
            if part_has_text or number == 0:
                number += 1
            heading, part_has_text, last_kind = paragraph, False, None
            continue
        if any(p.match(paragraph) for p in profile.question_lines):
            close()
            if part_has_text:
                number += 1
            turn = {"part": number, "kind": "question", "start": start, "end": end, "heading": heading}
            part_has_text, last_kind = True, "question"
            continue
        speaker = next((m for m in (p.match(paragraph) for p in profile.speaker_lines) if m), None)
        own_answer = speaker is None and any(p.match(paragraph) for p in profile.answer_lines)
        if speaker is not None or own_answer:
            close()
            kind = "answer" if own_answer or last_kind in ("question", "answer") else "remark"
            name = speaker.group("speaker").strip() if speaker is not None else None
            turn = {"part": number, "kind": kind, "start": start, "end": end, "speaker": name, "heading": heading}
            part_has_text, last_kind = True, kind
            continue
        if turn is None:
            turn = {"part": number, "kind": "text", "start": start, "end": end, "heading": heading}
        else:
            turn["end"] = end
        part_has_text = True
    close()
    return parts
