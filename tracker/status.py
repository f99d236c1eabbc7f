"""The status scale: six keys, shown to people by their labels."""

from __future__ import annotations

from tracker.errors import Refused

#: key -> (label, meaning), in the order of the scale.
SCALE = {
    "not_started": ("Not started", "No measure has been taken yet."),
    "planned": ("Planned", "Measures are decided or scheduled but not yet under way."),
    "in_progress": ("In progress", "Measures are under way but not yet in force."),
    "partial": ("Partially implemented", "Part of the commitment is in force."),
    "implemented": ("Implemented", "The commitment is met in full."),
    "not_applicable": ("Not applicable", "The commitment does not apply to this economy."),
}
STATUS_KEYS = tuple(SCALE)
LABELS = {key: label for key, (label, _) in SCALE.items()}
#: Each status as a short code, for matrices readable in print without colour (the report's, the
#: browser's, the public site's); none of them one that pandas reads as missing ("NA" would be).
STATUS_CODES = {
    "not_started": "NS",
    "planned": "PL",
    "in_progress": "IP",
    "partial": "PI",
    "implemented": "IM",
    "not_applicable": "NAP",
}
#: The code of "not reported" in those matrices.
NOT_REPORTED_CODE = "-"
#: One colour per status, the same in every matrix, legend and chart.
STATUS_COLOURS = {
    "not_started": "#E06666",
    "planned": "#F6B26B",
    "in_progress": "#FFD966",
    "partial": "#93C47D",
    "implemented": "#38761D",
    "not_applicable": "#B7B7B7",
}
#: The colour of a code written on its status's colour: white on the dark green, black on the
#: others, each legible at WCAG AA.
STATUS_INK = {key: "#FFFFFF" if key == "implemented" else "#000000" for key in STATUS_COLOURS}


def colour_rules(prefix: str) -> str:
    """CSS giving each status's colour and ink to the class ``PREFIX + key`` (``.c-implemented``):
    the one place the pages and the public site take the report's colours from."""
    return "".join(f".{prefix}{key} {{ background: {colour}; color: {STATUS_INK[key]}; }}\n"
                   for key, colour in STATUS_COLOURS.items())


#: The codes by status key, with None for "not reported".
SHORT = {**STATUS_CODES, None: NOT_REPORTED_CODE}


def _normal(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()


_BY_NORMAL = {**{_normal(k): k for k in SCALE}, **{_normal(label): k for k, label in LABELS.items()}}


def parse_status(text: str) -> str:
    """Return the key for a status given by key or label, in any case, with stray spaces.

    Raises ``Refused`` naming the accepted labels when the text is not on the scale.
    """
    key = _BY_NORMAL.get(_normal(text))
    if key is None:
        raise Refused(
            f"{text!r} is not a status. Use one of: {', '.join(LABELS.values())} "
            f"(or the keys {', '.join(STATUS_KEYS)})."
        )
    return key


def label(key: str | None) -> str:
    """The label of a status key; empty for "not reported"."""
    return LABELS[key] if key else ""
