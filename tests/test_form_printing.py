"""A form as a focal point prints it: long answers whole, the commitments in a few lines
(printed by LibreOffice; skipped without it)."""

from __future__ import annotations

import itertools
import re
import shutil
import string
import subprocess
import zipfile

import pytest
from openpyxl import load_workbook

from formtools import form_sheet_member
from tracker.forms import COMMITMENT_LINES
from tracker.workbook.layout import COLUMNS, FORM_SHEET, HEADER_ROW

SOFFICE = shutil.which("soffice")
NARRATIVE_OPTIONS = ("measures", "planned", "timeframe", "needs", "evidence")
LONG_ANSWERED = ("LC02-1", "CSS-5", "AMM05-1")


def answer_of(tag: str, length: int = 600) -> str:
    """``length`` characters of words that occur nowhere else (``tag`` and a number), to find
    each one in the printed text."""
    words = []
    for number in itertools.count():
        word = f"{tag}{number:03d}"
        if len(" ".join(words + [word])) > length:
            break
        words.append(word)
    text = " ".join(words)
    return text + "." * (length - len(text))


@pytest.fixture
def long_answers(tracker, tmp_path, target):
    """Peru's 2008 form, prefilled with 600-character answers in every narrative column of three
    commitments (answered in 2007, so carried forward)."""
    if "://" in target:
        pytest.skip("one backend is enough for printing a form")
    tags = ("".join(pair) for pair in itertools.product(string.ascii_lowercase, repeat=2))
    answers = {}
    for ref in LONG_ANSWERED:
        answers[ref] = {option: answer_of(next(tags)) for option in NARRATIVE_OPTIONS}
        options = [part for option, text in answers[ref].items() for part in (f"--{option}", text)]
        tracker("record", "PER", ref, "--year", "2007", "--status", "partial", *options)
    tracker("form", "--year", "2008", "--economy", "PER", "--out", str(tmp_path))
    return tmp_path / "PER-2008.xlsx", answers


def test_item_rows_fit_their_text_and_are_not_fixed(long_answers):
    """Each item row is as tall as its text needs, and not marked as a fixed height
    (customHeight), so that Excel and LibreOffice refit it as the focal point types."""
    form, _ = long_answers
    sheet = zipfile.ZipFile(form).read(form_sheet_member(form)).decode()
    rows = {int(number): attributes for number, attributes in re.findall(r'<row r="(\d+)"([^>]*)>', sheet)}
    items = {number: attributes for number, attributes in rows.items() if number > HEADER_ROW}
    assert len(items) == 26
    assert not [number for number, attributes in items.items() if "customHeight" in attributes]
    heights = {number: float(re.search(r'ht="([0-9.]+)"', attributes).group(1)) for number, attributes in items.items()}
    wb = load_workbook(form)
    refs = {ws_row[0].value: ws_row[0].row for ws_row in wb[FORM_SHEET].iter_rows(min_row=HEADER_ROW + 1)}
    assert min(heights[refs[ref]] for ref in LONG_ANSWERED) > 5 * max(heights[refs[r]] for r in ("SH01-1", "CSS-3"))


def test_the_form_opens_on_its_instructions_with_room_to_write(long_answers):
    form, _ = long_answers
    wb = load_workbook(form)
    assert wb.active.title == "Instructions"
    ws = wb[FORM_SHEET]
    by_column = {column: dimension.width for dimension in ws.column_dimensions.values()
                 for column in range(dimension.min, dimension.max + 1)}
    widths = {title: by_column[i] for i, (title, _, _) in enumerate(COLUMNS, start=1)}
    assert all(widths[title] >= 14 for title, field, _ in COLUMNS if field and field != "status"), widths
    shown = " ".join(str(cell.value) for sheet in ("Instructions", FORM_SHEET) for row in wb[sheet].iter_rows()
                     for cell in row if cell.value is not None)
    assert "apec-cyber" not in shown and "@20" not in shown and "Catalogue:" not in shown
    assert "New in 2008" in shown


@pytest.mark.skipif(not SOFFICE, reason="LibreOffice (soffice) is not installed")
def test_a_form_with_600_character_answers_prints_them_whole(long_answers, tmp_path):
    form, answers = long_answers
    subprocess.run([SOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path / "pdf"), str(form)],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "pdf" / "PER-2008.pdf"
    printed = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    printed_words = set(re.findall(r"[a-z]{2}\d{3}", printed))
    for ref, texts in answers.items():
        for option, text in texts.items():
            missing = set(re.findall(r"[a-z]{2}\d{3}", text)) - printed_words
            assert not missing, f"{ref} {option}: {len(missing)} words not printed, such as {sorted(missing)[:3]}"

    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    words = re.findall(r'<word xMin="[0-9.]+" yMin="([0-9.]+)"[^>]*>([^<]*)</word>', boxes)
    start = next(i for i, (_, word) in enumerate(words) if word == "Endeavor")
    end = next(i for i in range(start, len(words)) if words[i][1] == "2003.")
    lines = {round(float(y)) for y, _ in words[start:end + 1]}
    assert len(lines) <= COMMITMENT_LINES, f"the longest commitment (LC02-1) prints on {len(lines)} lines"
