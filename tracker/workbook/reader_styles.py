"""What a cell's style lets a person see, for the reader of returned workbooks.

A cell's style (its ``xf`` in ``cellXfs``) gives it a number format (``reader_formats`` works out
what that shows), a font and a fill. Text can be hidden by the font alone: a font colour that is
the colour of the cell's background (white on white, or on any fill), or a font too small to read.
Excel shows no such text to a person, so the reader treats it as it treats a value hidden by its
number format: refused where its column is imported, naming the cell. The same goes for a run of
a rich text (part of a cell's text) in such a colour or size.

Colours are resolved as Excel resolves them: ARGB values, the indexed palette (the file's own
``indexedColors`` when it has one), the theme's colours (``theme1.xml``) with their tint; an
automatic font colour is black, and a cell without a solid fill shows on white.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from functools import cached_property
from typing import Iterable

from openpyxl.styles.colors import COLOR_INDEX
from openpyxl.styles.numbers import BUILTIN_FORMATS

from tracker.workbook.reader_formats import GENERAL
from tracker.workbook.reader_package import MAIN, Package

#: A font smaller than this (points) shows nothing readable (as a row lower than 3 pt).
MIN_FONT_POINTS = 3
#: A font colour differing from its background by less than this in each of red, green and blue
#: (0 to 255) cannot be told from it.
MIN_COLOUR_DIFFERENCE = 32
WHITE, BLACK = (255, 255, 255), (0, 0, 0)
DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
STYLES_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
THEME_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme"
#: The theme's colours in the order of a ``theme="n"`` index (Excel swaps the first two pairs).
THEME_ORDER = ("lt1", "dk1", "lt2", "dk2", "accent1", "accent2", "accent3", "accent4", "accent5", "accent6",
               "hlink", "folHlink")
#: System colours of the default palette's end: 64 the window's text, 65 its background.
SYSTEM_INDEXED = {64: BLACK, 65: WHITE}
Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Font:
    colour: Colour | None  # None: automatic (black)
    points: float | None  # None: the workbook's default size


@dataclass(frozen=True)
class CellStyle:
    """What a cell style shows: its number format code, and the font and background of its text."""

    code: str
    font: Font = Font(None, None)
    background: Colour = WHITE

    @cached_property
    def _unseen(self) -> str | None:
        why = self._unseen_font(self.font)
        return None if why is None else f"its font {why}, so it cannot be seen"

    def unseen(self, runs: Iterable[tuple[Font, str]] = ()) -> str | None:
        """Why a value in this style cannot be seen (``None``: it can): its font, or that of a run
        of its text (``runs``: (font, text) of the runs that set their own)."""
        if self._unseen is not None or not runs:
            return self._unseen
        for font, text in runs:  # a run that sets no colour shows in the cell's
            if text.strip() and (why := self._unseen_font(Font(font.colour or self.font.colour, font.points))):
                return f"part of its text ({text.strip()!r}) has a font that {why}, so that part cannot be seen"
        return None

    def _unseen_font(self, font: Font) -> str | None:
        if font.points is not None and font.points < MIN_FONT_POINTS:
            return f"is {font.points:g} pt, too small to read"
        colour = BLACK if font.colour is None else font.colour
        if max(abs(a - b) for a, b in zip(colour, self.background)) < MIN_COLOUR_DIFFERENCE:
            return f"is coloured {_hex(colour)}, the colour of its background ({_hex(self.background)})"
        return None


def _hex(colour: Colour) -> str:
    return "#" + "".join(f"{c:02X}" for c in colour)


class Palette:
    """The colours a styles part refers to: indexed (the file's palette or Excel's) and themed."""

    def __init__(self, theme: list[Colour | None], indexed: list[Colour | None] | None = None):
        self.theme = theme
        self.indexed = indexed or [_argb(value) for value in COLOR_INDEX]

    def colour(self, element) -> Colour | None:
        """A ``<color>`` (or ``fgColor``) element's colour; ``None`` for automatic or unknown."""
        if element is None or element.get("auto") in ("1", "true"):
            return None
        if (rgb := element.get("rgb")) is not None:
            colour = _argb(rgb)
        elif (theme := element.get("theme")) is not None:
            index = int(theme)
            colour = self.theme[index] if 0 <= index < len(self.theme) else None
        elif (indexed := element.get("indexed")) is not None:
            index = int(indexed)
            colour = self.indexed[index] if 0 <= index < len(self.indexed) else SYSTEM_INDEXED.get(index)
        else:
            return None
        tint = float(element.get("tint") or 0)
        return _tinted(colour, tint) if colour is not None and tint else colour

    def font(self, element) -> Font:
        """A ``<font>`` or a run's ``<rPr>``: its colour and size."""
        size = element.find(MAIN + "sz")
        points = float(size.get("val")) if size is not None and size.get("val") else None
        return Font(self.colour(element.find(MAIN + "color")), points)


def _argb(value: str) -> Colour | None:
    """``AARRGGBB`` (or ``RRGGBB``) as (red, green, blue), ``None`` when not a colour; Excel
    ignores the alpha of a cell's colours."""
    if not value.strip():
        return None
    digits = value.strip()[-8:].rjust(8, "F")
    try:
        alpha, red, green, blue = (int(digits[i:i + 2], 16) for i in range(0, 8, 2))
    except ValueError:
        return None
    return (red, green, blue)


def _tinted(colour: Colour, tint: float) -> Colour:
    """A colour lightened (tint > 0) or darkened (tint < 0) as Excel does, on its luminance."""
    hue, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in colour))
    lightness = lightness * (1 + tint) if tint < 0 else lightness * (1 - tint) + tint
    return tuple(round(c * 255) for c in colorsys.hls_to_rgb(hue, min(max(lightness, 0), 1), saturation))


def theme_colours(events) -> list[Colour | None]:
    """The colours of a theme part's colour scheme, by ``theme="n"`` index."""
    found: dict[str, Colour | None] = {}
    for _, element in events:
        name = element.tag.removeprefix(DRAWING)
        if name in THEME_ORDER and name not in found:
            given = element.find(DRAWING + "srgbClr")
            system = element.find(DRAWING + "sysClr")
            found[name] = (_argb(given.get("val", "")) if given is not None else
                           _argb(system.get("lastClr", "")) if system is not None else None)
    return [found.get(name) for name in THEME_ORDER]


#: Without a theme part, Excel's default theme: white and black are all a form needs.
DEFAULT_THEME: list[Colour | None] = [WHITE, BLACK]
FONT_ADVICE = ("Set the cell's font colour to Automatic and its size to that of the other cells, check what it "
               "shows, then save and send the file again.")


def read_styles(package: Package, workbook: str) -> tuple[list[CellStyle], Palette]:
    """The workbook's cell styles, their colours resolved by its theme; and its palette."""
    part, theme_part = (package.related(workbook, kind) for kind in (STYLES_TYPE, THEME_TYPE))
    theme = theme_colours(package.events(theme_part)) if theme_part and package.has(theme_part) else DEFAULT_THEME
    if not part or not package.has(part):
        return [CellStyle(GENERAL)], Palette(theme)
    return cell_styles(package.events(part, ("start", "end")), theme)


def cell_styles(events, theme: list[Colour | None]) -> tuple[list[CellStyle], Palette]:
    """The style of each ``xf`` of ``cellXfs``, in order, from a styles part's ``("start", "end")``
    events: number formats from ``numFmts`` only (those of conditional formatting, in ``dxfs``,
    style no cell), fonts from ``fonts`` and fills from ``fills``; and the palette, for the fonts
    of rich text's runs."""
    custom: dict[int, str] = {}
    fonts, fills, formats, indexed = [], [], [], []
    inside: str | None = None  # the top-level list being read
    for event, element in events:
        name = element.tag.removeprefix(MAIN)
        if name in ("numFmts", "fonts", "fills", "cellXfs", "indexedColors", "dxfs", "cellStyleXfs"):
            inside = name if event == "start" else None
        elif event != "end" or inside is None:
            continue
        elif inside == "numFmts" and name == "numFmt":
            custom[int(element.get("numFmtId"))] = element.get("formatCode") or ""
        elif inside == "fonts" and name == "font":
            fonts.append(element)
        elif inside == "fills" and name == "fill":
            fills.append(element)
        elif inside == "cellXfs" and name == "xf":
            formats.append(tuple(int(element.get(key, 0)) for key in ("numFmtId", "fontId", "fillId")))
        elif inside == "indexedColors" and name == "rgbColor":
            indexed.append(_argb(element.get("rgb", "")))
    palette = Palette(theme, indexed)  # the palette comes last in the part: colours are resolved now
    fonts = [palette.font(element) for element in fonts]
    fills = [_background(palette, element) for element in fills]
    styles = [CellStyle(custom.get(number, BUILTIN_FORMATS.get(number, GENERAL)),
                        fonts[font] if font < len(fonts) else Font(None, None),
                        fills[fill] if fill < len(fills) else WHITE)
              for number, font, fill in formats]
    return styles or [CellStyle(GENERAL)], palette


def _background(palette: Palette, fill) -> Colour:
    """The colour a fill shows behind the text: its foreground colour when solid, else white."""
    pattern = fill.find(MAIN + "patternFill")
    if pattern is None or pattern.get("patternType") != "solid":
        return WHITE
    return palette.colour(pattern.find(MAIN + "fgColor")) or WHITE
