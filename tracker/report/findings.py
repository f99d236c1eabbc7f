"""The key findings: sentences written from the report's data, each figure the one its table shows.

Every percentage goes through ``tracker.percentages`` (the tables write the same rounded value),
and every count comes from the same ``ReportData`` method as the table it summarises.
"""

from __future__ import annotations

from collections import Counter

from tracker.percentages import percent_text, points_text
from tracker.report.data import ReportData
from tracker.status import LABELS

#: The statuses in order of progress; "not applicable" is off the scale (neither up nor down).
PROGRESS = ("not_started", "planned", "in_progress", "partial", "implemented")
HOW_MANY_NAMED = 3


def _economies(number: int) -> str:
    return f"{number} {'economy' if number == 1 else 'economies'}"


def _commitments(number: int) -> str:
    return f"{number} commitment is" if number == 1 else f"{number} commitments are"


def movement(previous: str | None, status: str) -> str:
    """How a status moved since the economy's previous report on the item: new, up, down,
    unchanged, or other (to or from not applicable)."""
    if previous is None:
        return "new"
    if previous == status:
        return "unchanged"
    if previous in PROGRESS and status in PROGRESS:
        return "up" if PROGRESS.index(status) > PROGRESS.index(previous) else "down"
    return "other"


def movements(data: ReportData) -> Counter:
    """How many of the year's statuses went up, down, ... (the Changes sheet lists them)."""
    return Counter(movement(row.previous_status, row.status) for row in data.change_rows())


def item_label(data: ReportData, item) -> str:
    return f"{item.ref} {item.short_title}" if item.short_title else item.ref


def key_findings(data: ReportData) -> list[str]:
    """The findings, in the order a reader asks: who returned, how far the region is, what changed
    like for like, which commitments lead and lag, how statuses moved, what is overdue, what is needed."""
    year, returning = data.year, data.returning()
    missing = [e for e in data.economies if not data.returned(e.id)]
    if not returning:
        return [f"No economy has returned for {year}: there is no figure to report yet."]
    findings = [f"{len(returning)} of {len(data.economies)} economies returned for {year}"
                + (f"; no return from {', '.join(e.name for e in missing)}." if missing else ".")]
    region = data.region()
    findings.append(f"Region-wide implementation rate: {percent_text(region.rate)}, pooled over the "
                    f"{_economies(len(returning))} that returned and the {len(data.items)} commitments that apply "
                    f"(coverage {percent_text(region.coverage)}).")
    comparison = data.comparison
    if comparison is not None:
        basis = comparison.basis
        sentence = (f"Compared with {basis.previous} ({basis.describe()}), the region-wide implementation rate "
                    f"changed by {points_text(comparison.region.rate_change)}.")
        reasons = basis.reasons()
        if reasons:
            sentence += " Left out of that comparison: " + "; ".join(reasons) + "."
        if comparison.added_sentence():
            sentence += f" {comparison.added_sentence()}."
        if data.reworded_sentence():
            sentence += f" {data.reworded_sentence()}."
        findings.append(sentence)
    ranked = data.commitments_by_rate()
    if ranked:
        for words, chosen in (("Most advanced", ranked[:HOW_MANY_NAMED]), ("Least advanced", ranked[::-1][:HOW_MANY_NAMED])):
            findings.append(f"{words} commitments: "
                            + "; ".join(f"{item_label(data, item)} ({percent_text(rate)})" for item, rate in chosen) + ".")
    moved = movements(data)
    findings.append(
        f"Against each economy's previous report on a commitment, {moved['up']} statuses went up, {moved['down']} "
        f"went down, {moved['other']} changed to or from {LABELS['not_applicable']}, {moved['unchanged']} are "
        f"unchanged and {moved['new']} are reported for the first time.")
    overdue = data.overdue_by_item()
    if overdue:
        findings.append(f"{_commitments(len(overdue))} overdue somewhere at the end of {year}; most widely: "
                        + "; ".join(f"{item_label(data, item)} (due {item.deadline:%Y-%m-%d}), in "
                                    f"{_economies(count)}" for item, count in overdue[:HOW_MANY_NAMED]) + ".")
    else:
        findings.append(f"No commitment is overdue at the end of {year}.")
    matching = data.needs_and_offers
    if matching.pairings:
        findings.append(f"{_commitments(len(matching.pairings))} the subject of a capacity-building need or offer "
                        f"in {year}. Matched, a need with an offer from another economy: {matching.count('matched')}; "
                        f"needs without an offer: {matching.count('unmet')}; offers without a need: "
                        f"{matching.count('unasked')} (see Needs and offers).")
    else:
        findings.append(f"No economy that returned wrote a capacity-building need or offer for {year}.")
    return findings
