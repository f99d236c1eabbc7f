"""Every mistake a user can make at the command line gets one sentence saying what was wrong and
how to put it right: no library wording, no traceback, no microseconds, no schema revision names
outside `db current`; output that cannot be written never fails a command that did its work; no
command writes over the database. Each test runs the real `tracker` command."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from conftest import Tracker
from formtools import snapshot

LIBRARY_WORDING = ("Errno", "codec can't", "does not match the format", "<=x<=", "Traceback", "sqlalchemy",
                   "is a directory", "No such option")


def plain(output: str) -> str:
    """``output``, checked to hold none of the libraries' own wording."""
    for words in LIBRARY_WORDING:
        assert words not in output, f"{words!r} in {output!r}"
    return output


def command(database: Path, *args: str, **options) -> subprocess.CompletedProcess:
    """The installed command in a process of its own, as a user runs it."""
    options.setdefault("stdout", subprocess.PIPE)
    options.setdefault("stderr", subprocess.PIPE)
    if "input" in options:
        options.pop("stdin", None)
    return subprocess.run([sys.executable, "-m", "tracker", "--db", str(database), *args], timeout=120, **options)


@pytest.fixture
def sqlite_tracker(tmp_path):
    tracker = Tracker(str(tmp_path / "tracker.db"))
    tracker("init")
    return tracker


def test_init_names_no_schema_revision(bare_tracker):
    output = plain(bare_tracker("init").output)
    assert "Created the database" in output and not re.search(r"\b\d{4}_", output)
    assert not re.search(r"\b\d{4}_", bare_tracker("init").output + bare_tracker("db", "upgrade").output)
    assert re.search(r"\b\d{4}_\w+ \(up to date\)", bare_tracker("db", "current").output)


def test_a_catalogue_that_is_a_workbook_is_named_as_such(tracker, tmp_path):
    workbook = tmp_path / "answers.xlsx"
    Workbook().save(workbook)
    output = plain(tracker("catalog", "load", str(workbook), expect=1).output)
    assert "is not a catalogue" in output and "`tracker import`" in output


def test_a_missing_catalogue_file_is_named(tracker, tmp_path):
    output = plain(tracker("catalog", "load", str(tmp_path / "nowhere.catalogue"), expect=1).output)
    assert "There is no file" in output and "give the path of a catalogue file" in output


def test_a_due_date_that_does_not_exist_is_named(tracker, tmp_path):
    output = plain(tracker("form", "--year", "2009", "--due", "2009-02-30", "--out", str(tmp_path), expect=2).output)
    assert "2009-02-30 is not a date that exists: give one as YYYY-MM-DD" in output


def test_there_is_no_import_0(tracker):
    output = plain(tracker("history", "--import", "0", expect=2).output)
    assert "There is no import 0: they are numbered from 1; `tracker imports list` shows them." in output


def test_moments_are_shown_to_the_second(tracker, tmp_path):
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "planned")
    output = tracker("report", "--year", "2008", "--as-of", "2030-01-01T00:00:00.123456",
                     "--out", str(tmp_path / "r.xlsx")).output
    output += tracker("reports", "list").output
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", output), output


@pytest.mark.parametrize("as_of", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "0001-01-01",
                                   "1899-12-31T23:59:59"])
def test_an_as_of_outside_the_years_a_moment_can_be_given_in_is_a_message(tracker, tmp_path, as_of):
    output = plain(tracker("report", "--year", "2008", "--as-of", as_of,
                           "--out", str(tmp_path / "r.xlsx"), expect=2).output)
    assert "is outside the years a moment can be given in (1900 to 9999)" in output
    assert "Traceback" not in output


def test_restoring_a_missing_backup_says_the_backup_is_missing(sqlite_tracker, tmp_path):
    output = plain(sqlite_tracker("restore", str(tmp_path / "nothere.db"), expect=1).output)
    assert "There is no backup at" in output and "tracker init" not in output


def test_a_backup_into_a_folder_is_written_there_by_date(sqlite_tracker, tmp_path):
    folder = tmp_path / "bk"
    folder.mkdir()
    output = plain(sqlite_tracker("backup", str(folder)).output)
    copies = list(folder.iterdir())
    assert len(copies) == 1 and re.fullmatch(r"tracker-\d{4}-\d\d-\d\d\.db", copies[0].name)
    assert str(copies[0]) in output


def test_a_backup_is_never_written_over_the_database(sqlite_tracker, tmp_path):
    for name in ("tracker.db", "tracker.db-wal", "tracker.db-shm"):
        output = plain(sqlite_tracker("backup", str(tmp_path / name), "--force", expect=1).output)
        assert "is the database itself" in output
    assert "No problems found" in sqlite_tracker("check").output


def test_a_port_in_use_is_named_with_another_to_try(sqlite_tracker):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        output = plain(sqlite_tracker("serve", "--port", str(port), expect=1).output)
    assert f"Port {port} on 127.0.0.1 is in use" in output and f"--port {port + 1}" in output
    assert "login/once" not in output


def test_an_empty_workbook_is_called_empty(tracker, tmp_path):
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    output = plain(tracker("import", str(empty), expect=1).output)
    assert "an empty file" in output and "CSV" not in output


def test_import_of_a_device_says_it_is_not_a_file(tracker):
    output = plain(tracker("import", "/dev/null", expect=1).output)
    assert "is not a file (a device" in output


def test_db_after_the_command_says_to_put_it_first(tracker):
    output = plain(tracker("summary", "--year", "2008", "--db", "x.db", expect=2).output)
    assert "--db goes before the command: tracker --db TARGET COMMAND" in output


@pytest.mark.parametrize("name", ["r.xls", "myreport"])
def test_a_report_must_end_in_xlsx(tracker, tmp_path, name):
    output = plain(tracker("report", "--year", "2008", "--out", str(tmp_path / name), expect=1).output)
    assert "does not end in .xlsx" in output


def test_contact_changes_only_the_email_once_a_name_is_known(tracker):
    assert "give its name with --name" in plain(tracker("contact", "JPN", "--year", "2008", "--email", "a@b.c",
                                                        expect=1).output)
    tracker("contact", "JPN", "--year", "2008", "--name", "Hanako Sato")
    assert "  email: (blank) -> h@example.org" in tracker("contact", "JPN", "--year", "2008",
                                                               "--email", "h@example.org").output


def test_catalog_show_promises_the_object_it_prints(tracker):
    assert "JSON object" in tracker("catalog", "show", "--help").output
    assert isinstance(json.loads(tracker("catalog", "show", "LC02-1", "--json").output), dict)


def test_report_out_at_the_database_is_refused_and_the_database_stays(sqlite_tracker, tmp_path):
    database = tmp_path / "tracker.db"
    for force in ([], ["--force"]):
        output = plain(sqlite_tracker("report", "--year", "2009", "--out", str(database), *force, expect=1).output)
        assert "does not end in .xlsx" in output
    sqlite_tracker("summary", "--year", "2008")


def test_a_database_named_like_a_workbook_is_not_written_over(tmp_path):
    tracker = Tracker(str(tmp_path / "data.xlsx"))
    tracker("init")
    output = plain(tracker("report", "--year", "2008", "--out", str(tmp_path / "data.xlsx"), "--force",
                           expect=1).output)
    assert "is the database itself" in output
    tracker("summary", "--year", "2008")


def test_a_db_that_is_no_database_is_a_message(tmp_path):
    output = plain(Tracker("://")("summary", "--year", "2008", expect=1).output)
    assert "--db '://' is neither a file path nor a database URL" in output


def test_a_path_too_long_is_a_message(tmp_path):
    output = plain(Tracker(str(tmp_path / ("a" * 300) / "x.db"))("init", expect=1).output)
    assert "is too long for the file system" in output


def test_standard_output_that_is_not_utf8_shows_characters_escaped(sqlite_tracker, tmp_path):
    sqlite_tracker("economies", "add", "XYZ", "Snow \u2603 land")
    result = command(tmp_path / "tracker.db", "economies", "list", env={"PYTHONIOENCODING": "latin-1", "PATH": ""})
    assert result.returncode == 0, result.stderr
    assert b"Snow \\u2603 land" in result.stdout


def test_a_full_standard_output_does_not_fail_a_committed_change(sqlite_tracker, tmp_path):
    with open("/dev/full", "w") as full:
        result = command(tmp_path / "tracker.db", "record", "JPN", "LC02-1", "--year", "2008", "--status", "planned",
                         stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
    assert "planned" in sqlite_tracker("show", "JPN", "--year", "2008", "--json").output


def test_a_closed_standard_output_does_not_fail_a_committed_import(sqlite_tracker, tmp_path):
    economies = [row["code"] for row in json.loads(sqlite_tracker("economies", "list", "--json").output)]
    refs = [row["ref"] for row in json.loads(sqlite_tracker("catalog", "list", "--year", "2008", "--json").output)]
    wb = Workbook()
    wb.active.append(["Year", "Economy code", "Ref", "Status", "Measures undertaken"])
    for code in economies:
        for ref in refs:
            wb.active.append([2008, code, ref, "implemented", f"{code} {ref} " + "measure " * 40])
    wb.save(tmp_path / "table.xlsx")
    process = subprocess.Popen([sys.executable, "-m", "tracker", "--db", str(tmp_path / "tracker.db"), "import",
                                str(tmp_path / "table.xlsx")], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.read(1)
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 0 and b"Traceback" not in stderr, stderr
    assert json.loads(sqlite_tracker("imports", "list", "--json").output)[0]["changes"] > 0


def test_a_closed_standard_input_is_no_password(sqlite_tracker, tmp_path):
    result = command(tmp_path / "tracker.db", "users", "add", "bob", "--role", "editor", "--password-stdin",
                     stdin=subprocess.DEVNULL)
    assert result.returncode == 1 and b"No password on standard input" in result.stderr
    result = command(tmp_path / "tracker.db", "users", "add", "bob", "--role", "editor", "--password-stdin",
                     input=b"secret \xff\xfe password\n")
    assert result.returncode == 1 and b"is not UTF-8 text" in result.stderr


def test_a_workbook_whose_name_is_not_utf8_is_shown_escaped(sqlite_tracker, tmp_path):
    folder = tmp_path / "returned"
    folder.mkdir()
    wb = Workbook()
    wb.active.append(["Year", "Economy code", "Ref", "Status"])
    wb.active.append([2008, "AUS", "LC02-1", "implemented"])
    wb.save(os.fsdecode(bytes(folder) + b"/bad\xff\x1b[31m.xlsx"))
    result = command(tmp_path / "tracker.db", "import", str(folder))
    assert b"Traceback" not in result.stderr and b"\x1b" not in result.stdout, result.stdout + result.stderr
    assert b"bad\\udcff\\x1b[31m.xlsx" in result.stdout


def test_file_names_with_terminal_escapes_are_listed_escaped(sqlite_tracker, tmp_path):
    wb = Workbook()
    wb.active.append(["Year", "Economy code", "Ref", "Status"])
    wb.active.append([2008, "AUS", "LC02-1", "implemented"])
    path = tmp_path / "evil\x1b]0;owned\x07.xlsx"
    wb.save(path)
    sqlite_tracker("import", str(path))
    output = sqlite_tracker("imports", "list").output
    assert "\x1b" not in output and "evil\\x1b]0;owned\\x07.xlsx" in output


@pytest.mark.parametrize("args, exit_code", [
    (["round", "reopen", "2008", "--reason", "fix \u202eevil"], 2),
    (["form", "--year", "2009", "--return-to", "spsg\x1b[2J@example.org"], 1),  # refused by forms.write_forms
])
def test_free_text_options_follow_the_visible_text_rule(tracker, store, tmp_path, args, exit_code):
    tracker("round", "open", "2008")
    tracker("round", "close", "2008")
    before = snapshot(store)
    output = plain(tracker(*args, expect=exit_code).output)
    assert re.search(r"contains (an invisible|a bidirectional formatting|a control) character", output)
    assert snapshot(store) == before


def test_import_of_an_empty_path_is_refused(tracker, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    output = plain(tracker("import", "", expect=1).output)
    assert 'An empty PATH was given ("")' in output


def test_every_refusal_is_json_with_json(tracker, tmp_path):
    (tmp_path / "empty").mkdir()
    result = tracker("import", "--json", str(tmp_path / "empty"), expect=1)
    assert json.loads(result.output) == {"error": json.loads(result.output)["error"]}
    assert "holds no .xlsx files" in json.loads(result.output)["error"]
    assert "error" in json.loads(tracker("summary", "--year", "1800", "--json", expect=1).output)
    assert "error" in json.loads(tracker("summary", "--year", "soon", "--json", expect=2).output)


def test_report_as_of_says_what_the_data_were_then_without_microseconds(tracker, tmp_path):
    early = tracker("report", "--year", "2008", "--as-of", "2008-05-01T10:00:00.5", "--out", str(tmp_path / "a.xlsx"))
    assert early.output.startswith("As of 2008-05-01 10:00:00 UTC: nothing had been recorded for the year by then.\n")
    tracker("record", "JPN", "LC02-1", "--year", "2008", "--status", "planned")
    later = tracker("report", "--year", "2008", "--as-of", "2030-01-01T00:00:00", "--out", str(tmp_path / "b.xlsx"))
    assert re.match(r"As of 2030-01-01 00:00:00 UTC: the data as last changed before then, at "
                    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\.\n", later.output)


def test_imports_list_says_one_value_changed_in_the_singular(tracker, tmp_path):
    from formtools import fill

    tracker("form", "--year", "2008", "--economy", "JPN", "--out", str(tmp_path))
    tracker("import", str(fill(tmp_path / "JPN-2008.xlsx", {"LC02-1": {"Status": "Planned"}})))
    assert tracker("imports", "list").output.rstrip().endswith("(JPN 2008): 1 value changed")
