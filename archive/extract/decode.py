"""Step 1: bytes to text, never mojibake.

Candidates, in order: a BOM, the HTTP charset, `<meta charset>`, UTF-8, windows-1251, then
charset_normalizer's guess. Each is decoded strictly and checked for mojibake, so a wrong
declared charset falls through to the next. A UTF-8 page with a few stray bytes keeps them as
U+FFFD, and fails only if one lands in the article text. Nothing decodes cleanly:
`bad-encoding`.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer

from archive.extract.markup import Failed

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
# UTF-8 Cyrillic read as windows-1251 ("Р°", "С‚") or latin-1 ("Ð°", "Ñ\x82").
_CP1251_TAIL = bytes(range(0x80, 0xC0)).decode("cp1251", errors="ignore")
_MOJIBAKE = re.compile("[РС][" + re.escape(_CP1251_TAIL) + "]|[ÐÑ][\u0080-\u00bf]")
CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN1_LETTERS = re.compile("[\u00c0-\u00ff]")
_LETTERS = re.compile(r"[^\W\d_]")


def looks_like_mojibake(text: str) -> bool:
    """True when decoded text shows the marks of a wrong charset (UTF-8 read as 1251/latin-1)."""
    letters = len(_LETTERS.findall(text))
    if not letters:
        return False
    if len(_MOJIBAKE.findall(text)) > 0.02 * letters + 2:
        return True
    # Russian pages read as latin-1: accented Latin letters everywhere and no Cyrillic.
    if len(_LATIN1_LETTERS.findall(text)) > 0.3 * letters and not CYRILLIC.search(text):
        return True
    # KOI8-R read as windows-1251 (or the reverse) swaps the case of every Cyrillic letter.
    cyrillic = CYRILLIC.findall(text)
    return len(cyrillic) > 50 and sum(c.isupper() for c in cyrillic) > 0.5 * len(cyrillic)


def _codec(name: str | None) -> str | None:
    """The Python codec name for a charset label, or None for an unknown label."""
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'").lower()).name
    except LookupError:
        return None


def decode_html(body: bytes, declared_encoding: str | None = None) -> str:
    """Decode a page to text; raise Failed('bad-encoding') rather than return mojibake.

    Candidates, in order: a BOM, the HTTP charset, `<meta charset>`, UTF-8, windows-1251,
    charset_normalizer's guess. Each is decoded strictly and must not look like mojibake; a wrong declared charset
    therefore falls through to the next candidate.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            return body[len(bom):].decode(name, errors="strict") if _strict_ok(body[len(bom):], name) else _fail_encoding(name)
    meta = _META_CHARSET.search(body[:4096])
    # windows-1251 is the legacy charset of Russian sites: worth a try before guessing.
    candidates = [_codec(declared_encoding), _codec(meta.group(1).decode("ascii", "ignore")) if meta else None, "utf-8", "cp1251"]
    tried = []
    for name in candidates:
        if not name or name in tried:
            continue
        tried.append(name)
        text = _decode_clean(body, name)
        if text is not None:
            return text
    guess = charset_normalizer.from_bytes(body).best()
    if guess is not None and _codec(guess.encoding) not in tried:
        text = _decode_clean(body, _codec(guess.encoding))
        if text is not None:
            return text
    # A few stray bytes in a UTF-8 page (a truncated footer, a bad ad snippet) should not
    # lose the article: they become U+FFFD, and the article fails only if one lands in its text.
    text = body.decode("utf-8", errors="replace")
    if text.count("\ufffd") <= max(3, len(text) // 1000) and not looks_like_mojibake(text):
        return text
    raise Failed("bad-encoding", f"no clean decoding (tried {', '.join(tried)})")


def is_strict_utf8(body: bytes) -> bool:
    """True for a body that is valid UTF-8, whose text needs no mojibake check (see _decode_clean)."""
    return body.isascii() or _strict_ok(body.removeprefix(codecs.BOM_UTF8), "utf-8")


def _strict_ok(body: bytes, name: str) -> bool:
    try:
        body.decode(name)
    except UnicodeDecodeError:
        return False
    return True


def _fail_encoding(name: str) -> str:
    raise Failed("bad-encoding", f"invalid {name} bytes after a {name} byte-order mark")


def _decode_clean(body: bytes, name: str | None) -> str | None:
    """`body` decoded strictly as `name` if that works and is not mojibake, else None.

    Strictly valid UTF-8 is accepted without the (page-long) mojibake scan: Cyrillic in a
    single-byte charset is practically never valid UTF-8, and the article text is checked again.
    """
    if not name:
        return None
    try:
        text = body.decode(name)
    except (UnicodeDecodeError, LookupError):
        return None
    if name == "utf-8":
        return text
    return None if looks_like_mojibake(text) else text
