"""Text is checked at the one write path, stored as given (Excel's escapes are the reader's); control characters,
bidirectional overrides, zero-width characters, BOMs, line/paragraph separators and private-use
characters refused, naming the option or cell; economy names checked too."""

from __future__ import annotations

import json

import pytest
import regex
from sqlalchemy import select

from formtools import fill, snapshot
from handmade import MEASURES, parts, table_rows, zipped
from test_web_return import page_fields, round_2008, show, web  # noqa: F401 (fixtures)
from webtools import signed_in
from tracker.errors import Refused
from tracker.models import Change, Economy
from tracker.text import decode_excel_escapes, normalise

FORBIDDEN = {
    "\x00": "U+0000", "\x1b": "U+001B", "\x7f": "U+007F", "\x85": "U+0085", "\x9b": "U+009B",
    "\u202e": "U+202E (RIGHT-TO-LEFT OVERRIDE)", "\u2066": "U+2066", "\u200b": "U+200B (ZERO WIDTH SPACE)",
    "\u200d": "U+200D", "\u2060": "U+2060", "\ufeff": "U+FEFF", "\u2028": "U+2028 (LINE SEPARATOR)",
    "\u2029": "U+2029", "\ue000": "U+E000", "\U000f0000": "U+F0000", "\udcff": "U+DCFF",
}


@pytest.mark.parametrize("char", FORBIDDEN)
def test_each_invisible_or_control_character_is_refused_by_name(char):
    with pytest.raises(Refused) as refused:
        normalise(f"ab{char}cd", "cell F12 (Status)")
    assert str(refused.value).startswith("cell F12 (Status) contains ")
    assert f"{FORBIDDEN[char]}" in str(refused.value) and "at character 3" in str(refused.value)


def _refused_alone(char: str) -> bool:
    try:
        normalise(f"ab{char}cd", "it")
    except Refused:
        return True
    return False


def test_every_code_point_is_refused_exactly_when_unicode_says_it_does_not_show():
    """Refused between letters exactly when Unicode's properties (the ``regex`` module's data, not
    tracker's) make it default-ignorable, a control but tab and line breaks, a format character
    that is no prepended concatenation mark, private use, a surrogate, a line or paragraph
    separator, or the blank braille pattern."""
    unseen = regex.compile(r"[\p{Default_Ignorable_Code_Point}\p{Cc}\p{Co}\p{Cs}\p{Zl}\p{Zp}\u2800"
                           r"[\p{Cf}--\p{Prepended_Concatenation_Mark}]--[\t\n\r]]", regex.V1)
    disagree = [f"U+{code:04X}" for code in range(0x110000)
                if _refused_alone(chr(code)) != bool(unseen.fullmatch(chr(code)))]
    assert not disagree, disagree[:20]


INVISIBLE = {
    "tag character": "\U000e0001", "tag letter A": "\U000e0041", "soft hyphen": "\u00ad",
    "combining grapheme joiner": "\u034f", "Hangul choseong filler": "\u115f", "Hangul jungseong filler": "\u1160",
    "Hangul filler": "\u3164", "halfwidth Hangul filler": "\uffa0", "braille blank": "\u2800",
    "variation selector after a letter": "\ufe0f", "variation selector 1": "\ufe00",
    "ideographic variation selector after a letter": "\U000e0100",
    "Mongolian free variation selector after a letter": "\u180b", "Mongolian FVS4": "\u180f",
    "interlinear annotation anchor": "\ufff9", "interlinear annotation terminator": "\ufffb",
    "musical symbol begin beam": "\U0001d173", "Khmer inherent vowel": "\u17b4",
    "zero width joiner between Latin letters": "\u200d", "zero width non-joiner between Latin letters": "\u200c",
    "left-to-right mark": "\u200e", "word joiner": "\u2060",
}


@pytest.mark.parametrize("case", INVISIBLE)
def test_characters_no_one_sees_are_refused_naming_them(case):
    char = INVISIBLE[case]
    with pytest.raises(Refused, match=f"U\\+{ord(char):04X}.* at character 3"):
        normalise(f"ab{char}cd", "it")


VISIBLE = {
    "family emoji joined by U+200D": "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "rainbow flag (selector, then joiner)": "\U0001f3f3\ufe0f\u200d\U0001f308",
    "technologist with a skin tone": "\U0001f469\U0001f3fd\u200d\U0001f4bb",
    "red heart in emoji presentation": "\u2764\ufe0f",
    "keycap": "#\ufe0f\u20e3",
    "England's flag (tags)": "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "Persian with its zero width non-joiner": "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
    "Hindi conjunct with a zero width joiner": "\u0915\u094d\u200d\u0937",
    "Malayalam chillu with a zero width non-joiner": "\u0d28\u0d4d\u200c\u0d28",
    "Japanese name with an ideographic variation selector": "\u845b\U000e0100\u98fe\u533a",
    "Mongolian letter with a free variation selector": "\u1820\u180b\u1821",
}


@pytest.mark.parametrize("case", VISIBLE)
def test_joiners_and_selectors_that_are_part_of_visible_text_are_accepted(case):
    assert normalise(f"ok {VISIBLE[case]} ok", "it") == f"ok {VISIBLE[case]} ok"


@pytest.mark.parametrize("text", ["\U0001f468\u200d", "\u200d\U0001f468", "a\u200d\U0001f468", "\u0645\u200c",
                                  "\u0645\u200c a", "a\ufe0f", "\u2764\ufe0f\ufe0f", "a\U000e0067"])
def test_joiners_and_selectors_out_of_place_are_refused(text):
    with pytest.raises(Refused, match="an invisible character"):
        normalise(text, "it")


@pytest.mark.parametrize("text", ["Act amended\nin 2008", "tab\tseparated", "Kōbe 神戸 — «ok» 🎉", "x\r\ny",
                                  "Viet Nam", "مرحبا", "1 < 2 & 3"])
def test_ordinary_text_passes_unchanged(text):
    assert normalise(text, "it") == text


def test_text_typed_outside_a_workbook_is_never_decoded_as_excel_escapes(tracker, store):
    assert normalise("A_x0042_C", "it") == "A_x0042_C"
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--measures", "typed _x0041_ here")
    tracker("contact", "JPN", "--year", "2008", "--name", "Sato_x0007_")
    shown = json.loads(tracker("show", "JPN", "--year", "2008", "--json").output)
    assert {row["ref"]: row["measures"] for row in shown}["LC02-1"] == "typed _x0041_ here"


def test_decoding_excel_escapes_takes_one_pass():
    assert decode_excel_escapes("_x005F_x0041_") == "_x0041_", "an escaped underscore keeps the text literal"
    assert decode_excel_escapes("A_x0042_C line_x000D_") == "ABC line\r"


@pytest.mark.parametrize("char", ["\u202e", "\x1b", "\u200b", "\ue000", "\x85"])
def test_record_refuses_naming_the_option_and_stores_nothing(tracker, store, char):
    output = tracker("record", "JPN", "LC02-1", "--year", "2008", "--measures", f"ok{char}", expect=1).output
    assert "--measures contains" in output and FORBIDDEN[char] in output
    output = tracker("contact", "JPN", "--year", "2008", "--name", f"Hanako{char}", expect=1).output
    assert "--name contains" in output
    with store.transaction() as session:
        assert session.scalars(select(Change)).all() == []


def test_an_import_refuses_invisible_characters_and_escapes_naming_the_cell(tracker, store, tmp_path):
    tracker("form", "--year", "2008", "--economy", "JPN", "--out", str(tmp_path))
    form = tmp_path / "JPN-2008.xlsx"
    before = snapshot(store)
    for answers, message in (
        ({"LC02-1": {"Measures undertaken": "Act \u202eamended"}}, "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
        ({"LC02-1": {"Measures undertaken": "bell_x0007_"}}, "U+0007"),
        ({"LC02-1": {"Evidence": "zero\u200bwidth"}}, "U+200B (ZERO WIDTH SPACE)"),
    ):
        output = tracker("import", str(fill(form, answers, out=tmp_path / "filled.xlsx")), expect=1).output
        assert message in output and "cell " in output, output
    output = tracker("import", str(fill(form, {}, contact={"Contact name": "Sato\u2028Hanako"}, out=tmp_path / "c.xlsx")),
                     expect=1).output
    assert "U+2028" in output and "(contact point)" in output, output
    assert snapshot(store) == before
    tracker("import", str(fill(form, {"LC02-1": {"Measures undertaken": "Act_x000A_amended"}},
                               out=tmp_path / "escaped.xlsx")))
    rows = {row["ref"]: row for row in json.loads(tracker("show", "JPN", "--year", "2008", "--json").output)}
    assert rows["LC02-1"]["measures"] == "Act\namended"


@pytest.mark.parametrize("name, message", [
    ("\x1b[31mRed\x1b[0m", "U+001B"),
    ("Evil\u202eco", "U+202E"),
    ("x" * 120_000, "120,000 characters long; the limit is 200"),
    ("   ", "needs a name"),
])
def test_economy_names_are_checked(tracker, store, name, message):
    assert message in tracker("economies", "add", "XYZ", name, expect=1).output
    assert message in tracker("economies", "rename", "JPN", name, expect=1).output
    with store.transaction() as session:
        assert session.scalar(select(Economy).where(Economy.code == "XYZ")) is None
        assert session.scalar(select(Economy.name).where(Economy.code == "JPN")) == "Japan"


def test_an_escaped_underscore_in_a_workbook_is_stored_as_the_literal_escape_a_person_typed(tracker, tmp_path):
    """Excel, LibreOffice and XlsxWriter write a typed ``_x0041_`` as ``_x005F_x0041_``: decoded
    once by the reader, never again on the write path."""
    table = tmp_path / "table.xlsx"
    table.write_bytes(zipped(parts(table_rows(f'<c r="{MEASURES}" t="s"><v>0</v></c>'),
                                   shared_strings="<si><t>typed _x005F_x0041_ here</t></si>")))
    tracker("import", str(table))
    rows = {row["ref"]: row for row in json.loads(tracker("show", "JPN", "--year", "2008", "--json").output)}
    assert rows["LC02-1"]["measures"] == "typed _x0041_ here"


def test_answers_typed_online_are_checked_by_the_same_rule_and_never_decoded(web, store, round_2008):
    signed_in(web, "fumiko")
    fields = page_fields(web.get("/economies/JPN/return?year=2008").text)
    before = snapshot(store)
    refused = web.post("/economies/JPN/return/save", data=fields | {"measures:LC02-1": "zero\u200bwidth"})
    assert refused.status_code == 409
    assert "JPN LC02-1 2008, measures contains an invisible character, U+200B (ZERO WIDTH SPACE)" in refused.text
    assert snapshot(store) == before
    visible = {"measures:LC02-1": "typed _x0041_ here", "needs:LC02-1": "\U0001f468\u200d\U0001f469\u200d\U0001f467",
               "evidence:LC02-1": "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"}
    assert web.post("/economies/JPN/return/save", data=fields | visible).status_code == 303
    entry = show(round_2008)["LC02-1"]
    assert (entry["measures"], entry["needs"], entry["evidence"]) == tuple(visible.values())
