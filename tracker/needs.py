"""Capacity-building needs beside the offers made for them: the one matching every output shows.

The CTAP template asked every economy both what capacity building it needed and what it could
offer others, so that the secretariat could pair them. For a year, each commitment that some
economy wrote a need or an offer on is shown with who needs what and who offers what; a
commitment is *matched* when it has both. Only the economies that returned for the year
(``returns.returned_economies``) are read: one without a return said nothing, so it is listed
apart, never counted as needing or offering nothing.

``match`` works on entries already in memory (the report, also as of a past moment);
``needs_and_offers`` reads them from the database for ``tracker needs`` and the browser's page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tracker.catalogue import items_applying, wordings_for
from tracker.models import Economy, Entry, Item
from tracker.rates import economies_for
from tracker.returns import returned_economies
from tracker.years import check_year


@dataclass(frozen=True)
class Stated:
    """What one economy wrote on one commitment: a need, or an offer."""

    code: str
    name: str
    text: str


@dataclass(frozen=True)
class Pairing:
    """One commitment's needs beside the offers made for it."""

    ref: str
    commitment: str  # its wording in the year
    needs: tuple[Stated, ...]
    offers: tuple[Stated, ...]

    @property
    def state(self) -> str:
        """matched (needs and offers), unmet (needs, no offer) or unasked (offers, no need)."""
        if self.needs and self.offers:
            return "matched"
        return "unmet" if self.needs else "unasked"


STATE_WORDS = {"matched": "Needs and offers", "unmet": "Needs, no offer", "unasked": "Offers, no need"}


@dataclass(frozen=True)
class NeedsAndOffers:
    """A year's needs and offers, commitment by commitment, in catalogue order."""

    year: int
    pairings: tuple[Pairing, ...]  # only the commitments with a need or an offer
    returned: tuple[str, ...]  # codes of the economies whose returns were read
    without_return: tuple[str, ...]  # codes of the economies that sent none: not read, not counted

    def count(self, state: str) -> int:
        """How many commitments are in ``state`` (see ``Pairing.state``)."""
        return sum(1 for pairing in self.pairings if pairing.state == state)

    def totals(self) -> dict[str, int]:
        """The figures every output shows, worked out here once."""
        return {
            "needs": sum(len(p.needs) for p in self.pairings),
            "offers": sum(len(p.offers) for p in self.pairings),
            "economies_needing": len({s.code for p in self.pairings for s in p.needs}),
            "economies_offering": len({s.code for p in self.pairings for s in p.offers}),
            **{f"commitments_{state}": self.count(state) for state in STATE_WORDS},
        }

    def sentence(self) -> str:
        """The figures in words, as the command, the page and the report's sheet say them."""
        t = self.totals()
        return (f"Commitments with a need or an offer in {self.year}: {len(self.pairings)} (matched: "
                f"{t['commitments_matched']}; needs without an offer: {t['commitments_unmet']}; offers without a "
                f"need: {t['commitments_unasked']}). Needs: {t['needs']}, economies needing: {t['economies_needing']}; "
                f"offers: {t['offers']}, economies offering: {t['economies_offering']}; read from the returns of "
                f"{len(self.returned)} of {len(self.returned) + len(self.without_return)} economies.")

    def as_json(self) -> dict:
        return {
            "year": self.year,
            "returned": list(self.returned),
            "without_return": list(self.without_return),
            "totals": self.totals(),
            "commitments": [
                {"ref": p.ref, "commitment": p.commitment, "state": p.state, "matching": STATE_WORDS[p.state],
                 "needs": [vars(s) for s in p.needs], "offers": [vars(s) for s in p.offers]}
                for p in self.pairings
            ],
        }


def match(year: int, items: Iterable[Item], texts: Mapping[int, str], economies: Iterable[Economy],
          said: Mapping[tuple[int, int], tuple[str | None, str | None]], returned: set[int]) -> NeedsAndOffers:
    """The needs and offers of ``year``: ``items`` apply that year (in catalogue order), ``texts``
    their wordings, ``economies`` those the year covers (by code), ``said`` per (economy id, item
    id) the (needs, offers) written, ``returned`` the ids of the economies that returned."""
    economies = list(economies)
    reading = [e for e in economies if e.id in returned]
    pairings = []
    for item in items:
        needs, offers = [], []
        for economy in reading:
            need, offer = said.get((economy.id, item.id), (None, None))
            if need:
                needs.append(Stated(economy.code, economy.name, need))
            if offer:
                offers.append(Stated(economy.code, economy.name, offer))
        if needs or offers:
            pairings.append(Pairing(item.ref, texts[item.id], tuple(needs), tuple(offers)))
    return NeedsAndOffers(year, tuple(pairings), tuple(e.code for e in reading),
                          tuple(e.code for e in economies if e.id not in returned))


def needs_and_offers(session: Session, year: int) -> NeedsAndOffers:
    """``tracker needs --year Y``: the year's needs and offers, read from the database."""
    check_year(year)
    items = items_applying(session, year, ", so no need or offer can be written for it")
    said = {
        (economy_id, item_id): (needs, offers)
        for economy_id, item_id, needs, offers in session.execute(
            select(Entry.economy_id, Entry.item_id, Entry.needs, Entry.offers)
            .where(Entry.year == year, or_(Entry.needs.is_not(None), Entry.offers.is_not(None)))
        )
    }
    return match(year, items, wordings_for(session, year, items), economies_for(session, year), said,
                 returned_economies(session, year))
