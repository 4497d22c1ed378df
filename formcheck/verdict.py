"""Verdict: the report's flagged moments said as one sentence per fault, grouped across the reps,
the way a coach sums up a set ("Rounded back on 10 of 10 reps, worst on rep 10: 34° against the
fault limit of 26°; it grew through the set").

- Which reps: every rep with at least one event of the rule; moments outside any rep are counted
  apart.
- Worst: the rep whose event went furthest past its limit, in the rule's bad direction.
- Trend: said only when at least TREND_MIN_REPS reps carry the rule and the rank correlation
  between the rep number and the rep's worst value is at least TREND_RHO (or at most -TREND_RHO):
  "it grew through the set" / "it eased through the set". This describes the set; it is not a
  limit and flags nothing.
"""

from __future__ import annotations

import numpy as np

from formcheck.faults import RULE_BY_NAME

TREND_MIN_REPS = 3
TREND_RHO = 0.8

NAMES = {
    "spine_flexion": "Rounded back",
    "spine_hyperextension": "Leaning back at lockout",
    "neck_misalignment": "Head out of line with the back",
    "hips_rise_early": "Hips rising before the chest",
    "hips_too_low": "Hips set too low at the start",
    "bar_far": "Bar drifting away from the body",
    "arm_bend": "Bent arms",
    "heel_lift": "Heels lifting",
    "depth_shallow": "Squat not deep enough",
    "forward_lean": "Chest dropping forward",
    "knee_valgus": "Knees caving in",
}


def _worse(rule: str) -> str:
    """'above' or 'below': which way the rule's values get worse ('above' for a rule this version
    does not know, as a stored report from an older one may hold)."""
    known = RULE_BY_NAME.get(rule)
    return known.worse if known else "above"


def _relative(event: dict) -> bool:
    """Judged against the lifter's own reference or first reps: its value is a deviation, + worse."""
    return event.get("basis") in ("reference", "set")


def _event_worse(event: dict) -> str:
    return "above" if _relative(event) else _worse(event["rule"])


def _past(event: dict) -> float:
    """How far past its limit an event went, in the rule's bad direction (its unit)."""
    sign = 1.0 if _event_worse(event) == "above" else -1.0
    return sign * (event["value"] - event["limit"])


def _worst(events: list[dict]) -> dict:
    """The fault-level event furthest past its limit, else the warning furthest past."""
    return max(events, key=lambda e: (e["severity"] == "fault", _past(e)))


def _level(event: dict) -> str:
    return "fault" if event["severity"] == "fault" else "warning"


def _amount(value: float, unit: str) -> str:
    return f"{value:.0f}°" if unit == "deg" else f"{value:.2g} {unit}"


def measured(event: dict, relative: dict | None) -> str:
    """'34° against the fault limit of 26°', or for a relative event 'back outline 9° rounder than
    your reference at a hip angle of 95°, against the fault limit of 8°'."""
    amount, limit = _amount(event["value"], event["unit"]), _amount(event["limit"], event["unit"])
    if not _relative(event):
        return f"{amount} against the {_level(event)} limit of {limit}"
    from formcheck.relative import MEASURE_BY_NAME

    m = MEASURE_BY_NAME.get(event.get("measure"))
    what = (f"{m.label} {amount} {m.worse_word}") if m else f"{amount} further back at lockout"
    return f"{what} than {_baseline_name(event['basis'], relative)}" + \
        (f" at a hip angle of {event['hip_deg']:.0f}°" if m and event.get("hip_deg") is not None else "") + \
        f", against the {_level(event)} limit of {limit}"


def _baseline_name(basis: str, relative: dict | None) -> str:
    if basis == "reference":
        return "your reference"
    reps = (relative or {}).get("baseline_reps") or []
    return "rep 1" if reps == [0] else f"reps {reps[0] + 1}-{reps[-1] + 1}" if reps else "the set's first reps"


def basis_sentence(relative: dict | None) -> str | None:
    """What the back was compared with, said once above the faults."""
    if not relative:
        return None
    ref = relative.get("reference")
    why = relative.get("why_not_reference")
    if relative.get("basis") == "reference" and ref:
        return (f"Back shape compared with your reference from {ref['recorded_on']}, rep by rep at the same hip "
                "angle, as well as with the limits for everyone.")
    text = f"Not compared with your reference: {why}." if why else ""
    if relative.get("basis") == "set":
        text += (f" Back shape of each later rep compared with {_baseline_name('set', relative)} of this set at the "
                 "same hip angle.")
    return text.strip() or None


def trend(values_by_rep: dict[int, float], worse: str) -> str | None:
    """'grew' or 'eased' through the set, or None (see the module doc)."""
    if len(values_by_rep) < TREND_MIN_REPS:
        return None
    reps = sorted(values_by_rep)
    values = np.array([values_by_rep[r] for r in reps]) * (1.0 if worse == "above" else -1.0)
    if np.ptp(values) == 0:
        return None
    from scipy.stats import spearmanr

    rho = spearmanr(reps, values).statistic
    if rho >= TREND_RHO:
        return "grew"
    if rho <= -TREND_RHO:
        return "eased"
    return None


def sentences(faults: list[dict], n_reps: int, relative: dict | None = None) -> list[str]:
    """One sentence per rule flagged, fault-level rules first, then by the reps they were on;
    then what the back was compared with (relative: the report's assessment.relative)."""
    basis = basis_sentence(relative)
    return _fault_sentences(faults, n_reps, relative) + ([basis] if basis and n_reps else [])


def _fault_sentences(faults: list[dict], n_reps: int, relative: dict | None) -> list[str]:
    by_rule: dict[str, list[dict]] = {}
    for event in faults:
        by_rule.setdefault(event["rule"], []).append(event)
    if not by_rule:
        if not n_reps:
            return ["No complete rep was found, so nothing was scored."]
        return [f"No form breakdown flagged on any of the {n_reps} reps." if n_reps > 1
                else "No form breakdown flagged on the rep."]

    def order(item):
        rule, events = item
        return (_level(_worst(events)) != "fault", -len({e["rep"] for e in events}), rule)

    out = []
    for rule, events in sorted(by_rule.items(), key=order):
        in_reps = [e for e in events if e["rep"] is not None]
        worst = _worst(events)
        level = _level(worst)
        reps = sorted({e["rep"] for e in in_reps})
        outside = len(events) - len(in_reps)
        where = [f"on {len(reps)} of {n_reps} reps"] if len(reps) > 1 else \
            [f"on rep {reps[0] + 1}" + (f" of {n_reps}" if n_reps > 1 else "")] if reps else []
        if outside:
            where.append(f"{'once' if outside == 1 else f'{outside} times'} outside the reps")
        said = measured(worst, relative)
        if len(events) > 1:
            at = f"rep {worst['rep'] + 1}" if worst["rep"] is not None else f"{worst['time_s']:.1f} s"
            said = f", worst at {at}: {said}"
        else:
            said = f": {said}"
        sentence = f"{NAMES.get(rule, rule)} ({level}) {' and '.join(where)}{said}"
        def badness(e: dict) -> float:
            return e["value"] * (1.0 if _event_worse(e) == "above" else -1.0)

        per_rep = {e["rep"]: badness(e) for e in sorted(in_reps, key=badness)}  # each rep's worst, + = worse
        direction = trend(per_rep, "above")
        if direction:
            sentence += f"; it {direction} through the set"
        out.append(sentence + ".")
    return out


def rep_cards(faults: list[dict], reps: list[dict]) -> list[dict]:
    """One card per rep: its number, score, worst level (fault, warning or clean), the faults on it
    by name, and when its worst moment was (seconds, or None for a clean rep)."""
    cards = []
    for rep in reps:
        events = [e for e in faults if e["rep"] == rep["index"]]
        worst = _worst(events) if events else None
        level = "clean" if worst is None else _level(worst)
        names = list(dict.fromkeys(NAMES.get(e["rule"], e["rule"]) for e in
                                   sorted(events, key=lambda e: (e["severity"] != "fault", -_past(e)))))
        cards.append({"rep": rep["index"] + 1, "score": rep.get("score"), "level": level, "faults": names,
                      "worst_time_s": None if worst is None else worst["time_s"]})
    return cards
