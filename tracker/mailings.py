"""The round's messages: invitations with the form, reminders before the due date, chasers after it.

Each message is prepared in a transaction of its own (its personal link issued, for an
invitation its form written and recorded as issued), then sent, then logged in another
transaction: a message is never sent twice because a transaction was retried, and a run cut
short leaves on record what was sent. Running a command again sends only what was not sent: an
economy already invited is not invited again, and a reminder's step (``before-14``,
``before-3``, ``after-7`` ...) goes to an economy once. Nothing goes to an economy that returned
(``returns.returned_economies``), nor for a closed round. With ``out`` (``--dry-run``) each
message is written there as an ``.eml`` file instead, and nothing is sent or kept.
"""

from __future__ import annotations

import functools
import html
import tempfile
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker import forms, personal_links, progress, reviews, rounds
from tracker.atomic import replacing
from tracker.closed_rounds import closed_message, no_round_message
from tracker.errors import Refused
from tracker.mail import log, messages, sending
from tracker.mail.settings import NOT_SET_UP, MailSettings, read_settings
from tracker.models import Item, Round
from tracker.text import check_email
from tracker.rates import economies_for
from tracker.returns import returned_economies

DAYS_BEFORE = (14, 3)
CHASE_EVERY = 7
CHANGES = "changes requested"
#: What a preview shows where the message will carry the economy's personal link, issued only when it is sent.
PREVIEW_LINK = "[PREVIEW: the personal link is made when the message is sent]"
#: What stands for the link in a dry run's .eml file: a link issued there would be rolled back with
#: the rest of the dry run, and a message sent by hand from the file would lead nowhere.
DRY_RUN_LINK = "[DRY RUN: the personal link is made when the message is sent]"


@dataclass
class Planned:
    """A message to send: to whom, of which kind and step."""

    economy: str
    economy_id: int
    to: str
    contact_name: str | None
    contact_year: int
    kind: str
    step: str | None = None


@dataclass
class Outcome:
    """What became of one economy's message: sent, refused (with the server's reply), written
    (dry run), or not sent and why."""

    economy: str | None
    to: str | None
    kind: str
    outcome: str
    step: str | None = None
    reply: str | None = None
    file: str | None = None
    contact_year: int | None = None
    subject: str | None = None
    text: str | None = None


@dataclass
class Mailing:
    """A run's outcomes, and a note when the run had nothing to do."""

    outcomes: list[Outcome] = field(default_factory=list)
    note: str | None = None


def reminder_step(due: date, today: date, days_before=DAYS_BEFORE, every: int = CHASE_EVERY) -> tuple[str, str] | None:
    """The kind and step of the reminder due ``today``: the latest reminder day reached before the
    due date (up to the due date itself), then a chaser each ``every`` days after it."""
    days = (due - today).days
    if days >= 0:
        reached = [n for n in days_before if n >= days]
        return ("reminder", f"before-{min(reached)}") if reached else None
    late = -days // every * every
    return ("chaser", f"after-{late}") if late else None


def _contacts(session: Session, year: int, economies, kind: str,
              step: str | None = None) -> tuple[list[Planned], list[Outcome]]:
    """The message of ``kind`` (and ``step``) planned for each economy, to its addressee (the
    year's contact point, else its latest), and an outcome for each economy without an e-mail on
    record."""
    contacts = progress.latest_contacts(session, year, [e.id for e in economies])
    planned, missing = [], []
    for economy in economies:
        contact = contacts.get(economy.id)
        if contact is None or not (contact.email or "").strip():
            missing.append(Outcome(economy.code, None, kind, "no e-mail on record", step))
            continue
        planned.append(Planned(economy.code, economy.id, contact.email.strip(), contact.name, contact.year, kind, step))
    return planned, missing


def _round_to_invite(session: Session, year: int, due: date | None, source: str) -> None:
    """The round the invitations are for: open, with a due date (reminders are timed from it).
    ``due`` opens the round or sets its due date; without it the round must be open with one
    already, and nothing is written."""
    if due is not None:
        rounds.ensure_open(session, year, due, source)
        return
    round_ = session.get(Round, year)
    if round_ is not None and round_.is_closed:
        raise Refused(closed_message(round_))
    if round_ is None or round_.due is None:
        said = f"There is no {year} round open" if round_ is None else f"The {year} round has no due date"
        raise Refused(f"{said}, and the invitations give the due date and the reminders are timed from it: open "
                      f"the round with its due date first (`tracker round open {year} --due DATE`, or the "
                      f"Rounds page in the browser), or give it here (`tracker round invite {year} --due DATE`).")


def _plan_invitations(session: Session, year: int, economy_codes: list[str], due: date | None, source: str):
    _round_to_invite(session, year, due, source)
    planned, skipped = _contacts(session, year, forms.economies_asked(session, year, economy_codes), "invitation")
    invited = log.sent(session, year, "invitation")
    todo = []
    for plan in planned:
        if plan.economy_id in invited:
            skipped.append(Outcome(plan.economy, plan.to, "invitation", "already invited"))
        else:
            todo.append(plan)
    return todo, skipped


def _plan_reminders(session: Session, year: int, today: date, days_before, every: int):
    round_ = session.get(Round, year)
    if round_ is None:
        raise Refused(no_round_message(year, "no reminder can be sent"))
    if round_.is_closed:
        return [], [], f"Nothing sent: {closed_message(round_)}"
    if round_.due is None:
        raise Refused(f"The {year} round has no due date, so no reminder can be timed: set one with "
                      f"`tracker round open {year} --due DATE`.")
    step = reminder_step(round_.due, today, days_before, every)
    if step is None:
        return [], [], f"No reminder is due on {today.isoformat()} (due date {round_.due.isoformat()})."
    kind, step_name = step
    returned = returned_economies(session, year)
    waiting = [e for e in economies_for(session, year) if e.id not in returned]
    planned, skipped = _contacts(session, year, waiting, kind, step_name)
    done = log.sent(session, year, kind)
    todo = []
    for plan in planned:
        if step_name in done.get(plan.economy_id, ()):
            skipped.append(Outcome(plan.economy, plan.to, kind, "already sent", step_name))
        else:
            todo.append(plan)
    return todo, skipped, None


def _online(plan: Planned, url: str | None) -> tuple[str, str]:
    """The sentence giving the economy's personal link ``url`` (None: no web address is set), as
    text and as HTML (with an anchor, unless a placeholder stands for the link)."""
    if url is None:
        said = "Answer on the attached form." if plan.kind != CHANGES else "Correct your form and send it again."
        return said, said
    said = ("To answer online instead" if plan.kind != CHANGES else "To put it right online") + (
        ", open your personal link (it replaces any earlier one, and works until the round closes)")
    if url in (PREVIEW_LINK, DRY_RUN_LINK):
        return f"{said}: {url}", f"{html.escape(said)}: <strong>{html.escape(url)}</strong>"
    return f"{said}: {url}", f'{html.escape(said)}: <a href="{html.escape(url)}">{html.escape(url)}</a>'


def _link(session: Session, settings: MailSettings, plan: Planned, year: int, source: str,
          stand_in: str | None) -> str | None:
    """The economy's new personal link (issued now), the placeholder ``stand_in`` standing for it
    in a preview or a dry run, or None when no web address is set."""
    if not settings.web_address:
        return None
    if stand_in:
        return stand_in
    return personal_links.address(settings.web_address, personal_links.issue_link(session, plan.economy, year, source))


def _form(session: Session, plan: Planned, year: int, settings: MailSettings) -> tuple[str, bytes]:
    request = forms.FormRequest(return_to=settings.reply_to or settings.sender)
    with tempfile.TemporaryDirectory() as folder:
        path = forms.write_forms(session, year, [plan.economy], Path(folder), request)[0]
        return path.name, path.read_bytes()


def _review_notes(session: Session, economy, year: int, values: dict, markup: dict) -> None:
    """The review's notes put into a "changes requested" message: ``note`` for the whole return,
    ``items`` each item noted with its ref and short title (as plain text and as an escaped list)."""
    review = reviews.review_of(session, economy, year) or {"note": None, "items": []}
    values["note"] = review["note"] or "(no note on the whole return: see the notes on the items below)"
    refs = [noted["ref"] for noted in review["items"]]
    titles = {ref: short or text for ref, short, text in
              session.execute(select(Item.ref, Item.short_title, Item.text).where(Item.ref.in_(refs)))}
    noted = [(f"{n['ref']} {titles.get(n['ref'], '')}".strip(), n["note"]) for n in review["items"]]
    values["items"] = "\n".join(f"- {title}: {note}" for title, note in noted) or "(no note on a single item)"
    listed = "".join(f"<li><strong>{html.escape(title)}</strong>: {html.escape(note)}</li>" for title, note in noted)
    markup["items"] = f"<ul>{listed}</ul>" if noted else "<p>(no note on a single item)</p>"


def _message(session: Session, settings: MailSettings, plan: Planned, year: int, source: str, preview: bool = False,
             dry_run: bool = False):
    """The message of ``plan``: its link issued, and for an invitation its form written (and
    recorded as issued). A ``preview`` writes nothing: a placeholder stands for the link, and no
    form is attached. A ``dry_run`` attaches the form but issues no link (a placeholder says so)."""
    economy = forms.economies_asked(session, year, [plan.economy])[0]
    round_ = session.get(Round, year)
    values = {
        "economy_name": economy.name, "economy_code": economy.code, "year": str(year),
        "due": round_.due.isoformat() if round_ and round_.due else "the date the secretariat gives",
        "return_to": settings.reply_to or settings.sender or "the secretariat",
        "contact_name": plan.contact_name or f"focal point of {economy.name}",
        "sender": settings.sender or "the secretariat",
    }
    markup = {}
    stand_in = PREVIEW_LINK if preview else DRY_RUN_LINK if dry_run else None
    values["online"], markup["online"] = _online(plan, _link(session, settings, plan, year, source, stand_in))
    if plan.kind == CHANGES:
        _review_notes(session, economy, year, values, markup)
    subject, text, page = messages.rendered(settings, plan.kind, values, markup)
    attachment = _form(session, plan, year, settings) if not preview and plan.kind == "invitation" else None
    return messages.compose(settings, plan.to, subject, text, page, attachment)


def _claimed(session: Session, settings: MailSettings, plan: Planned, year: int, source: str):
    """The message of ``plan`` and its row in the log, recorded as being sent; None when another
    run sent it meanwhile (checked with the economy held, so two runs never send it both)."""
    progress.lock_economies(session, [plan.economy_id])
    if plan.step in log.sent(session, year, plan.kind, plan.economy_id).get(plan.economy_id, ()):
        return None
    message = _message(session, settings, plan, year, source)
    return message, log.record(session, plan.kind, plan.to, str(message["Subject"]), False, log.SENDING,
                               str(message["Message-ID"]), year, plan.economy_id, plan.step)


def _written(message, out: Path, plan: Planned, year: int) -> str:
    out.mkdir(parents=True, exist_ok=True)
    name = f"{plan.economy}-{year}-{plan.kind}{'-' + plan.step if plan.step else ''}.eml"
    with replacing(out / name, f"the message for {plan.economy}") as temporary:
        temporary.write_bytes(message.as_bytes())
    return str(out / name)


def _send(store, settings: MailSettings, year: int, plans: list[Planned], source: str,
          out: Path | None) -> list[Outcome]:
    """Prepare, send (or write) and log each planned message; a refusal does not stop the others."""
    outcomes = []
    with sending.connected(settings) if plans and out is None else nullcontext() as server:
        for plan in plans:
            outcome = Outcome(plan.economy, plan.to, plan.kind, "written", plan.step, contact_year=plan.contact_year)
            outcomes.append(outcome)
            if out is not None:
                message = store.run(functools.partial(_message, dry_run=True), settings, plan, year, source, dry_run=True)
                outcome.subject, outcome.file = str(message["Subject"]), _written(message, out, plan, year)
                continue
            claimed = store.run(_claimed, settings, plan, year, source)
            if claimed is None:
                outcome.outcome = "already sent"
                continue
            message, row = claimed
            try:
                answer = sending.deliver(server, message)
            except Refused as exc:
                store.run(log.answered, row, False, str(exc))
                raise
            store.run(log.answered, row, answer.accepted, answer.reply)
            outcome.outcome, outcome.reply = ("sent" if answer.accepted else "refused"), answer.reply
            outcome.subject = str(message["Subject"])
    return outcomes


def _settings(store, out: Path | None) -> MailSettings:
    settings = store.run(read_settings)
    if out is None:
        settings.require_ready()
    return settings


def invite(store, year: int, economy_codes: list[str], source: str, out: Path | None = None,
           due: date | None = None) -> Mailing:
    """``tracker round invite``: each economy's form, due date and personal link to its contact
    point. The round must be open with its due date, or ``due`` given (which opens it or sets it)."""
    settings = _settings(store, out)
    todo, skipped = store.run(_plan_invitations, year, economy_codes, due, source, dry_run=out is not None)
    return Mailing(_send(store, settings, year, todo, source, out) + skipped)


def remind(store, year: int, source: str, today: date | None = None, out: Path | None = None,
           days_before=DAYS_BEFORE, every: int = CHASE_EVERY) -> Mailing:
    """``tracker round remind``: today's reminder or chaser to every economy that has not returned
    and has not had it yet; meant to run every day."""
    settings = _settings(store, out)
    todo, skipped, note = store.run(_plan_reminders, year, today or date.today(), days_before, every)
    return Mailing(_send(store, settings, year, todo, source, out) + skipped, note)


def _preview(session: Session, settings: MailSettings, year: int, kind: str, today: date) -> dict:
    """What ``invite`` (``kind`` "invitation") or ``remind`` would send now: each message's subject
    and text, the form not attached and a placeholder for the link; what is refused is the note."""
    try:
        if kind == "invitation":
            todo, skipped = _plan_invitations(session, year, [], None, "preview")
            note = None
        else:
            todo, skipped, note = _plan_reminders(session, year, today, DAYS_BEFORE, CHASE_EVERY)
        composed = [(plan, _message(session, settings, plan, year, "preview", preview=True)) for plan in todo]
    except Refused as exc:
        return {"note": str(exc), "messages": []}
    outcomes = [Outcome(plan.economy, plan.to, plan.kind, "to send", plan.step, contact_year=plan.contact_year,
                        subject=str(message["Subject"]), text=message.get_body(("plain",)).get_content())
                for plan, message in composed]
    return {"note": note, "messages": [vars(outcome) for outcome in outcomes + skipped]}


def _round_mail(session: Session, year: int, today: date) -> dict:
    settings = read_settings(session)
    return {"year": year, "ready": settings.ready, "today": today,
            "invitations": _preview(session, settings, year, "invitation", today),
            "reminders": _preview(session, settings, year, "reminder", today)}


def round_mail(store, year: int, today: date | None = None) -> dict:
    """The browser's mail page of a round: whether mail is set up, and the invitations and today's
    reminders that sending now would make. Only read (``Store.read_session``): no link is issued,
    no form recorded, no round opened, so that showing the page changes nothing."""
    return store.read_session(_round_mail, year, today or date.today())


def send_test(store, address: str) -> Outcome:
    """``tracker mail test``: a test message to ``address``, and the server's answer (logged)."""
    settings = _settings(store, None)
    check_email(address)
    subject, text, page = messages.rendered(settings, "test", {"server": f"{settings.host}:{settings.port_used}"})
    message = messages.compose(settings, address, subject, text, page)
    with sending.connected(settings) as server:
        answer = sending.deliver(server, message)
    store.run(log.record, "test", address, subject, answer.accepted, answer.reply, str(message["Message-ID"]))
    return Outcome(None, address, "test", "sent" if answer.accepted else "refused", reply=answer.reply,
                   subject=subject)


@dataclass
class Reviewed:
    """A review recorded (``reviews.review_of``), and what became of the message telling the economy
    of the changes requested (None: no message was asked for)."""

    review: dict
    mail: Outcome | None = None


def told(outcome: Outcome) -> str:
    """What became of the message telling the focal point of the changes requested: the one
    wording of ``tracker returns request-changes`` and of the page the editor goes back to."""
    asked = f"Changes requested of {outcome.economy}"
    if outcome.outcome == "sent":
        return f"{asked}, and e-mailed to {outcome.to} ({outcome.reply or 'accepted'})."
    if outcome.outcome == "refused":
        return (f"{asked}; the message to {outcome.to} was refused by the mail server ({outcome.reply}); "
                "the request stays recorded.")
    if outcome.outcome == "no e-mail on record":
        return (f"{asked}; no message sent: {outcome.economy} has no contact point e-mail on record (give one "
                f"with `tracker contact {outcome.economy} --email ADDRESS`, or on its page in the browser).")
    return f"{asked}; no message sent: {outcome.reply or outcome.outcome}"


def _changes_plan(session: Session, economy_code: str, year: int,
                  review_id: int) -> tuple[list[Planned], list[Outcome]]:
    return _contacts(session, year, forms.economies_asked(session, year, [economy_code]), CHANGES,
                     f"review-{review_id}")


def _tell_changes(store, economy_code: str, year: int, review: dict, source: str) -> Outcome:
    """The changes requested e-mailed to the economy's contact point, with the notes and a fresh
    personal link; whatever goes wrong is the outcome, never a refusal (the review stands)."""
    code = economy_code.strip().upper()
    settings = store.run(read_settings)
    if not settings.ready:
        return Outcome(code, None, CHANGES, "not sent", reply=NOT_SET_UP)
    planned, missing = store.run(_changes_plan, economy_code, year, review["id"])
    if missing:
        return missing[0]
    try:
        return _send(store, settings, year, planned, source, None)[0]
    except Refused as exc:
        return Outcome(code, planned[0].to, CHANGES, "not sent", reply=str(exc), contact_year=planned[0].contact_year)


def review_return(store, economy_code: str, year: int, state: str, note: str | None, item_notes: dict[str, str],
                  source: str, mail: bool = True) -> Reviewed:
    """``tracker returns accept|request-changes`` and the browser's review buttons: the review
    recorded (``reviews.review_return``), then, for changes requested and unless ``mail`` is false,
    the notes e-mailed to the economy's contact point with a fresh personal link and logged as
    "changes requested". The review is committed first, so no mail set up, no address on record, a
    server that refuses or cannot be reached each leave it recorded and say so in ``mail``."""
    review = store.run(reviews.review_return, economy_code, year, state, note, item_notes, source)
    if state != "changes_requested" or not mail:
        return Reviewed(review)
    return Reviewed(review, _tell_changes(store, economy_code, year, review, source))
