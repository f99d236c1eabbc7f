"""How wide text prints: the row heights of every workbook the tool writes rest on ``wrapped``."""

from __future__ import annotations

from tracker.workbook.typesetting import EMS_PER_WIDTH, fits_unmeasured, text_lines, text_width, wrapped

INSTRUMENT = "APEC Leaders' Statement on Fighting Terrorism and Promoting Growth"


def test_text_wraps_where_libreoffice_wraps_it_in_print():
    """Seen on the report's Data sheet printed by LibreOffice, in a column 14 wide: six lines,
    "Promoting" and "Growth" on lines of their own. Counting every character as the same width
    gave five, and the row was a line too short, its last line printed over the next row."""
    assert wrapped(INSTRUMENT, 14) == ["APEC Leaders'", "Statement on", "Fighting", "Terrorism and", "Promoting",
                                       "Growth"]
    assert text_lines(INSTRUMENT, 14) == 6
    assert text_lines(INSTRUMENT, 70) == 1


def test_every_wrapped_line_fits_and_nothing_is_lost():
    for text, width in ((INSTRUMENT, 14), ("WWWWWWWWWWWWWWWWWWWWWWWWWWWW done", 5), ("iiiiiiii iiiiiii", 3),
                        ("第一行很长的中文文本需要换行", 6), ("one\ntwo three", 20)):
        lines = wrapped(text, width)
        assert all(text_width(line) <= width * EMS_PER_WIDTH for line in lines if len(line) > 1), (text, lines)
        assert "".join(text.split()) == "".join("".join(lines).split())
    assert wrapped("one\ntwo three", 20) == ["one", "two three"]


def test_text_left_unmeasured_fits_even_in_the_widest_characters():
    for width in (3, 5.5, 14, 19):
        count = int(fits_unmeasured(width))
        assert text_lines("@" * count, width) == 1 and len(wrapped("@" * count, width)) == 1
        assert len(wrapped("@" * (count + 2), width)) > 1
