"""The one exception the library raises for anything a user can fix, and its helpers."""

from __future__ import annotations

import difflib


class Refused(Exception):
    """An operation refused because of what the user asked or supplied.

    The message says what was wrong and how to fix it; the CLI prints it and exits 1.
    """


QUOTED_CHARS = 60


def quoted(text: str, limit: int = QUOTED_CHARS) -> str:
    """``text`` as a quoted literal for a message, cut to a short prefix when it is long."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


def not_found(kind: str, given: str, candidates: dict[str, str]) -> Refused:
    """A refusal for an unknown reference that names the closest valid ones.

    ``candidates`` maps each valid reference to a longer description (a name, a text) that
    is also searched, so "japn" and "Japan" both lead to JPN.
    """
    wanted = given.strip().casefold()
    by_folded = {ref.casefold(): ref for ref in candidates}
    by_folded.update({desc.casefold(): ref for ref, desc in candidates.items() if desc})
    close = difflib.get_close_matches(wanted, list(by_folded), n=5, cutoff=0.5)
    suggestions = list(dict.fromkeys(by_folded[c] for c in close))[:3]
    if suggestions:
        hint = f" Did you mean {' or '.join(suggestions)}?"
    elif candidates:
        hint = f" Valid ones include {', '.join(list(candidates)[:5])}."
    else:
        hint = ""
    return Refused(f"Unknown {kind} {quoted(given)}.{hint}")


def reopen_hint(year: int) -> str:
    """How to make a closed year changeable again, for every refusal that meets one."""
    return f'tracker round reopen {year} --reason "why it must change"'
