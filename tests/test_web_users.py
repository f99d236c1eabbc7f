"""Accounts (`tracker users`) and what `tracker serve` allows before it starts, on both databases."""

from __future__ import annotations

import json

from sqlalchemy import select

from tracker.models import Account
from tracker.web.serve import is_loopback, plan


def test_users_add_list_password_remove(tracker, store):
    tracker("users", "add", "amina", "--role", "admin", "--password-stdin", input="s3cret pass\n")
    tracker("users", "add", "kenji", "--role", "focal-point", "--economy", "jpn", input="kenji pass 1\nkenji pass 1\n")
    rows = json.loads(tracker("users", "list", "--json").output)
    assert [(r["name"], r["role"], r["economy"]) for r in rows] == [("amina", "admin", None), ("kenji", "focal-point", "JPN")]
    assert "hash" not in tracker("users", "list", "--json").output
    with store.transaction() as session:
        stored = session.scalar(select(Account.password_hash).where(Account.name == "amina"))
    assert stored.startswith("$argon2id$") and "s3cret" not in stored
    tracker("users", "password", "amina", "--password-stdin", input="another pass\n")
    with store.transaction() as session:
        assert session.scalar(select(Account.password_hash).where(Account.name == "amina")) != stored
    tracker("users", "remove", "kenji")
    assert [r["name"] for r in json.loads(tracker("users", "list", "--json").output)] == ["amina"]


def test_users_refusals_are_messages(tracker):
    refused = [
        (["users", "add", "a", "--role", "focal-point", "--password-stdin"], "needs its economy"),
        (["users", "add", "a", "--role", "viewer", "--economy", "JPN", "--password-stdin"], "only a focal point"),
        (["users", "add", "a", "--role", "viewer", "--password-stdin"], "too short"),
        (["users", "add", "bad name!", "--role", "viewer", "--password-stdin"], "not a valid user name"),
        (["users", "add", "a", "--role", "focal-point", "--economy", "XYZ", "--password-stdin"], "Unknown economy"),
        (["users", "remove", "ghost"], "There is no user"),
    ]
    for args, words in refused:
        result = tracker(*args, expect=1, input="long enough password\n" if "short" not in words else "short\n")
        assert words in result.output, (args, result.output)
    tracker("users", "add", "a", "--role", "viewer", "--password-stdin", input="long enough password\n")
    assert "already exists" in tracker("users", "add", "a", "--role", "viewer", "--password-stdin",
                                       input="long enough password\n", expect=1).output
    assert "Error: Invalid value for '--role'" in tracker("users", "add", "b", "--role", "boss", expect=2).output
    mismatch = tracker("users", "add", "c", "--role", "viewer", input="first password\nsecond password\n", expect=1)
    assert "do not match" in mismatch.output.lower() or "match" in mismatch.output.lower()


def test_serve_refuses_an_open_address_until_an_account_exists(tracker, store):
    result = tracker("serve", "--host", "0.0.0.0", "--port", "8099", expect=1)
    assert "No account exists" in result.output and "tracker users add NAME --role admin" in result.output
    token = plan(store.target, "127.0.0.1")
    assert token and len(token) >= 32 and token != plan(store.target, "127.0.0.1")
    tracker("users", "add", "amina", "--role", "admin", "--password-stdin", input="s3cret pass\n")
    assert plan(store.target, "127.0.0.1") is None
    assert plan(store.target, "0.0.0.0") is None


def test_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.10")


def test_serve_on_an_uninitialised_database_says_so(bare_tracker):
    assert "tracker init" in bare_tracker("serve", expect=1).output
