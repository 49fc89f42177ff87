"""Pieces both page renderers need: escaping, body markup from entry blocks, JSON for scripts."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

from .model import LIVE_ENTRY, Entry


@dataclass(frozen=True)
class PageContext:
    """What a page shows besides its own entry: site-wide headlines for feed and related blocks."""

    base: str
    headlines: tuple[tuple[str, str], ...]  # (path, title), newest first


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def script_json(data: object) -> str:
    """JSON safe to embed in a <script> element ('</' cannot close it early)."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


def body_html(entry: Entry, paragraph_attr: str, heading_attr: str, notice_attr: str) -> str:
    """Render entry blocks to body markup; the attributes carry each site's class names."""
    out: list[str] = []
    in_list = False
    for block in entry.blocks:
        if block.startswith("- "):
            if not in_list:
                out.append("<ul>")
                in_list = True
            out.append(f"<li>{esc(block[2:])}</li>")
            continue
        if in_list:
            out.append("</ul>")
            in_list = False
        out.append(_block_html(block, paragraph_attr, heading_attr, notice_attr))
    if in_list:
        out.append("</ul>")
    return "\n".join(out)


def _block_html(block: str, paragraph_attr: str, heading_attr: str, notice_attr: str) -> str:
    if block.startswith("### "):
        return f"<h3{heading_attr}>{esc(block[4:])}</h3>"
    if block.startswith("## "):
        return f"<h2{heading_attr}>{esc(block[3:])}</h2>"
    if block.startswith("> "):
        return f"<blockquote><p{paragraph_attr}>{esc(block[2:])}</p></blockquote>"
    if block.startswith("@update:"):
        return f"<p{notice_attr}><em>{esc(block.removeprefix('@update:'))}</em></p>"
    if block.startswith("@telegram:"):
        post = esc(block.removeprefix("@telegram:"))
        return (
            '<div class="embed embed--telegram"><script async src="https://telegram.org/js/telegram-widget.js?22" '
            f'data-telegram-post="{post}" data-width="100%"></script></div>'
        )
    if block.startswith("@video:"):
        src = esc(block.removeprefix("@video:"))
        return (
            f'<div class="embed embed--video"><iframe src="{src}" width="720" height="405" '
            'frameborder="0" allow="clipboard-write; autoplay" allowfullscreen></iframe></div>'
        )
    live = LIVE_ENTRY.match(block)
    if live:
        return (
            f'<div class="live__item"><time class="live__time">{live.group(1)}</time>'
            f"<p{paragraph_attr}>{esc(live.group(2))}</p></div>"
        )
    return f"<p{paragraph_attr}>{esc(block)}</p>"


def image_url(base: str, entry: Entry) -> str | None:
    """A stable image address for entries with a photo (served as a tiny placeholder)."""
    if not entry.image:
        return None
    slug = entry.path.strip("/").replace("/", "-")
    return f"{base}/media/{slug}.jpg"
