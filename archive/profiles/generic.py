"""The default profile: boilerplate common to Russian news sites, nothing publisher-specific."""

from __future__ import annotations

import re

from archive.profiles import Profile, parse_russian_date

_CREDIT = re.compile(r"\s*((?:©|Фото:|Photo:|Фото\s*[—-]).*)$")


def split_caption(text: str) -> tuple[str | None, str | None]:
    """The caption as printed, and its credit ('© Author/ Agency', 'Фото: ...'); a bare credit has no caption."""
    text = text.strip()
    match = _CREDIT.search(text)
    if not match:
        return text or None, None
    return (text if match.start() > 0 else None), match.group(1).strip()


PROFILE = Profile(
    name="generic",
    caption_lines=(re.compile(r"^(?:Фото|Photo|Фотография)\s*:\s*\S.{0,120}$"),),
    visible_date=parse_russian_date,
    split_caption=split_caption,
)
