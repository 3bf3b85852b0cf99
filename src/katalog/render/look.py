"""The catalogue's own look (`look:` in catalogue.yaml) as the documents use it.

One accent colour for headings, table headers and rules, with the light tint of the facts
block and group rows derived from it (`colours`), so changing `look.accent` changes every
colour of the site, the PDF and the chart at once and no trace of the default blue is left;
the logo (`look.logo`, a file in the content folder) read once, safely (`logo`); the font
(`look.font`) put first in the font stack.

The HTML site and the PDF get these as CSS custom properties in a `<style>` before their
stylesheet (`css_variables`): `--accent`, `--accent-light`, `--accent-mid` and, when
`look.font` is set, `--look-font`. The default stylesheets never define the accent
themselves; a municipality's own stylesheet that sets `--accent` wins over `look.accent`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..safefs import read_regular

DEFAULT_ACCENT = "#1b4b72"  # 9,0:1 against white
LIGHT = 0.9  # share of white in the light tint (facts block, group rows): #e8edf1 by default
MID = 0.55  # share of white in the middle tint (rules on the accent's side)
LOGO_LIMIT = 5 * 1024 * 1024  # as `load.check_logo`
_FONT_NAME = re.compile(r"[^\w \-]", re.UNICODE)
_SUFFIX = {"image/svg+xml": ".svg", "image/png": ".png", "image/jpeg": ".jpg"}


@dataclass(frozen=True)
class Colours:
    accent: str  # #rrggbb
    light: str
    mid: str


def mix(colour: str, white: float) -> str:
    """`colour` (#rrggbb) with a share of white mixed in, as #rrggbb."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c + (255 - c) * white):02x}" for c in rgb)


def accent_of(settings: Any) -> str:
    """The catalogue's accent (`look.accent`, validated by load) or the default."""
    look = getattr(settings, "look", None)
    accent = getattr(look, "accent", None)
    return str(accent).lower() if accent else DEFAULT_ACCENT


def colours(settings: Any) -> Colours:
    accent = accent_of(settings)
    return Colours(accent, mix(accent, LIGHT), mix(accent, MID))


def font_of(settings: Any) -> str | None:
    """`look.font` as a CSS family name (quoted; letters, digits, spaces and hyphens only),
    or None."""
    look = getattr(settings, "look", None)
    name = _FONT_NAME.sub("", str(getattr(look, "font", None) or "")).strip()
    return f'"{name}"' if name else None


def css_variables(settings: Any) -> str:
    """`:root { --accent: …; … }` for the catalogue's look."""
    c = colours(settings)
    rules = [f"--accent: {c.accent}", f"--accent-light: {c.light}", f"--accent-mid: {c.mid}"]
    font = font_of(settings)
    if font:
        rules.append(f"--look-font: {font}")
    return ":root { " + "; ".join(rules) + "; }"


@dataclass(frozen=True)
class Logo:
    """The logo's file name (in the content folder), media type and bytes."""

    name: str
    mime: str
    data: bytes

    @property
    def suffix(self) -> str:
        """`.svg`, `.png` or `.jpg`, from what the file is (not from its name)."""
        return _SUFFIX[self.mime]

    def data_uri(self) -> str:
        import base64

        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def content_folder(settings: Any) -> Path | None:
    """The folder catalogue.yaml was read from (None for a catalogue not read from disk)."""
    path = getattr(settings, "path", "")
    return Path(path).parent if path else None


def logo(settings: Any) -> Logo | None:
    """`look.logo` read from the content folder (load has checked that it is a regular
    image file inside the folder); None when the catalogue sets none or it is gone."""
    look = getattr(settings, "look", None)
    name = getattr(look, "logo", None)
    folder = content_folder(settings)
    if not name or folder is None:
        return None
    path = folder / name
    try:
        if not path.resolve().is_relative_to(folder.resolve()):
            return None
        data = read_regular(path, LOGO_LIMIT)
    except OSError:
        return None
    mime = media_type(data)
    if mime == "image/svg+xml":
        data = safe_svg(data) or b""
    return Logo(str(name), mime, data) if mime and data else None


_UNSAFE_SVG = {"script", "foreignObject", "iframe", "object", "embed", "audio", "video"}


def safe_svg(data: bytes) -> bytes | None:
    """An SVG logo without what could run or fetch something: scripts, foreign objects,
    event attributes, links and `url()`s to anything but its own `#ids`, `@import`. The
    site shows it in an `<img>` (where nothing runs anyway); WeasyPrint would otherwise
    load a `file:` image it names into the PDF. None when it is not well-formed XML."""
    from lxml import etree

    try:
        root = etree.fromstring(data, etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False))
    except etree.XMLSyntaxError:
        return None
    if not isinstance(root.tag, str) or etree.QName(root).localname != "svg":
        return None
    for element in list(root.iter()):
        parent = element.getparent()
        if parent is not None and (not isinstance(element.tag, str)  # comments, PIs
                                   or etree.QName(element).localname in _UNSAFE_SVG):
            parent.remove(element)
            continue
        if not isinstance(element.tag, str):
            continue
        for name, value in list(element.attrib.items()):
            local = etree.QName(name).localname.lower()
            if local.startswith("on") or (local == "href" and not value.startswith("#")) or (
                    "url(" in value.lower() and not _local_urls(value)):
                del element.attrib[name]
        if etree.QName(element).localname == "style" and element.text and (
                "@import" in element.text or not _local_urls(element.text)):
            element.text = ""
    return bytes(etree.tostring(root, encoding="utf-8", xml_declaration=True))


def _local_urls(text: str) -> bool:
    """Every `url(...)` in `text` points at an id in the same document."""
    return all(u.strip().strip("'\"").startswith("#")
               for u in re.findall(r"url\(([^)]*)\)", text, re.IGNORECASE))


def media_type(data: bytes) -> str | None:
    """`image/png`, `image/jpeg` or `image/svg+xml` by the file's first bytes, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    head = data[:2048].lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if (head.startswith(b"<svg") or head.startswith(b"<?xml")) and b"<svg" in head:
        return "image/svg+xml"
    return None


__all__ = ["DEFAULT_ACCENT", "Colours", "Logo", "accent_of", "colours", "css_variables",
           "font_of", "logo", "media_type", "mix", "safe_svg"]
