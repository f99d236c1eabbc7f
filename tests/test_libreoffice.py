"""Forms re-saved by LibreOffice still import exactly what was typed (skipped without LibreOffice)."""

import json
import shutil
import subprocess

import pytest

from formtools import fill

SOFFICE = shutil.which("soffice")
pytestmark = pytest.mark.skipif(not SOFFICE, reason="LibreOffice (soffice) is not installed")


def resave_with_libreoffice(path, out_dir):
    out_dir.mkdir(exist_ok=True)
    subprocess.run(
        [SOFFICE, "--headless", "--calc", "--convert-to", "xlsx:Calc MS Excel 2007 XML",
         "--outdir", str(out_dir), str(path)],
        check=True, capture_output=True, timeout=180,
    )
    return out_dir / path.name


def test_form_resaved_by_libreoffice_round_trips(tracker, tmp_path, target):
    if "://" in target:
        pytest.skip("one backend is enough for the LibreOffice round trip")
    tracker("form", "--year", "2008", "--economy", "VNM", "--out", str(tmp_path / "out"))
    form = fill(tmp_path / "out" / "VNM-2008.xlsx", {
        "LC02-1": {"Status": "partially implemented", "Measures undertaken": "Decree 72/2013", "Timeframe": 2010},
        "T7-5": {"Status": "Planned", "Evidence": "+84 not a formula"},
    }, contact={"Contact name": "Nguyen Van A", "Contact phone": "+84 24 0000 0000"})
    resaved = resave_with_libreoffice(form, tmp_path / "resaved")
    tracker("import", str(resaved))
    rows = {r["ref"]: r for r in json.loads(tracker("show", "VNM", "--year", "2008", "--json").output)}
    assert rows["LC02-1"]["status"] == "partial"
    assert rows["LC02-1"]["measures"] == "Decree 72/2013" and rows["LC02-1"]["timeframe"] == "2010"
    assert rows["T7-5"]["evidence"] == "+84 not a formula"
    assert "Nguyen Van A" in tracker("show", "VNM", "--year", "2008").output


def test_a_form_saved_as_ods_is_refused_saying_to_save_it_as_xlsx(tracker, tmp_path, target):
    if "://" in target:
        pytest.skip("one backend is enough for the LibreOffice round trip")
    tracker("form", "--year", "2008", "--economy", "VNM", "--out", str(tmp_path / "out"))
    subprocess.run([SOFFICE, "--headless", "--calc", "--convert-to", "ods", "--outdir", str(tmp_path / "ods"),
                    str(tmp_path / "out" / "VNM-2008.xlsx")], check=True, capture_output=True, timeout=180)
    result = tracker("import", str(tmp_path / "ods" / "VNM-2008.ods"), expect=1)
    assert "VNM-2008.ods is an OpenDocument spreadsheet (.ods); save it as an Excel workbook (.xlsx) and import that." \
        in result.output
