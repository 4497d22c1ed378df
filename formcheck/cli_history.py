"""Command line for saved sessions: `analyze ... --athlete NAME` saves, `formcheck history` lists
sessions with the weekly trend, `formcheck export` writes one athlete's data, `formcheck edit`
corrects a session's date, load, RPE or notes, `formcheck delete` removes a session and its files.

A session is saved only when --athlete is given (and not --no-save): an analysis of someone
else's clip, or a test run, should not land in anybody's history by default. Where the store
is: $FORMCHECK_DB_URL / $FORMCHECK_HOME (see formcheck/store.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import TextIO

from formcheck.errors import FormcheckError

DEFAULT_WEEKS = 12
_SAVE_ONLY = ("date", "load", "rpe", "notes", "keep_video", "reference", "force_reference")


def add_save_options(analyze: argparse.ArgumentParser) -> None:
    group = analyze.add_argument_group("saving the session (formcheck history)")
    group.add_argument("--athlete", help="save this set in NAME's history (nothing is saved without it)")
    group.add_argument("--date", help="day it was filmed, YYYY-MM-DD (default: the video's creation time, else today)")
    group.add_argument("--load", help="weight on the bar, e.g. 100kg or 225lb (a bare number is kg)")
    group.add_argument("--rpe", type=float, help="rate of perceived exertion, 1-10")
    group.add_argument("--notes", default="", help="free text kept with the session")
    group.add_argument("--keep-video", action="store_true", help="keep a copy of the video with the session")
    group.add_argument("--no-save", action="store_true", help="do not save, even with --athlete")
    group.add_argument("--reference", action="store_true",
                       help="make this set NAME's reference for its lift: later sets are judged against it")
    group.add_argument("--force-reference", action="store_true",
                       help="with --reference: keep it even though its own reps break the back's limits")


def add_commands(sub) -> None:
    history = sub.add_parser("history", help="saved sessions and the weekly form trend")
    history.add_argument("--athlete", help="only this athlete (default: everyone)")
    history.add_argument("--lift", choices=("squat", "deadlift", "rdl"), help="only this lift")
    history.add_argument("--weeks", type=int, default=DEFAULT_WEEKS,
                         help="how many weeks back from today, 0 for all (default: %(default)s)")
    history.add_argument("--json", action="store_true", help="print JSON instead of tables")
    history.add_argument("--verbose", action="store_true")

    export = sub.add_parser("export", help="write everything saved for one athlete to a JSON file")
    export.add_argument("--athlete", required=True)
    export.add_argument("--out", type=Path, help="file to write (default: <athlete>_formcheck.json)")
    export.add_argument("--verbose", action="store_true")

    edit = sub.add_parser("edit", help="correct a saved session's date, load, RPE or notes")
    edit.add_argument("session", type=int, help="the session's id (see formcheck history)")
    edit.add_argument("--date", help="day it was filmed, YYYY-MM-DD")
    edit.add_argument("--load", help="e.g. 100kg or 225lb; 'none' removes it")
    edit.add_argument("--rpe", help="1-10; 'none' removes it")
    edit.add_argument("--notes", help="replaces the notes")
    edit.add_argument("--verbose", action="store_true")

    reference = sub.add_parser("reference", help="show, set or clear an athlete's reference session per lift")
    reference.add_argument("--athlete", required=True)
    reference.add_argument("--lift", choices=("squat", "deadlift", "rdl"), help="with --clear: the lift")
    what = reference.add_mutually_exclusive_group()
    what.add_argument("--set", type=int, metavar="SESSION_ID", help="make this saved session the reference for its lift")
    what.add_argument("--clear", action="store_true", help="forget the reference for --lift")
    what.add_argument("--show", action="store_true", help="list the references (the default)")
    reference.add_argument("--force", action="store_true",
                           help="with --set: keep it even though its own reps break the back's limits")
    reference.add_argument("--verbose", action="store_true")

    delete = sub.add_parser("delete", help="delete one saved session and its files")
    delete.add_argument("session", type=int, help="the session's id (see formcheck history)")
    delete.add_argument("--yes", action="store_true", help="really delete")
    delete.add_argument("--verbose", action="store_true")


@dataclasses.dataclass(frozen=True)
class SaveOptions:
    athlete: str
    recorded_on: dt.date | None
    load_value: float | None
    load_unit: str | None
    rpe: float | None
    notes: str
    keep_video: bool
    reference: bool = False
    force_reference: bool = False


def save_options(args: argparse.Namespace) -> SaveOptions | None:
    """The analyze command's save options, checked before the model runs (None: do not save)."""
    from formcheck.sessions import parse_date, parse_load
    from formcheck.store import check_fields, clean_name

    given = [f"--{name.replace('_', '-')}" for name in _SAVE_ONLY if getattr(args, name)]
    if not args.athlete:
        if given:
            raise FormcheckError(f"{', '.join(given)}: only used when saving a session, so add --athlete NAME")
        return None
    if args.no_save:
        return None
    load_value, load_unit = parse_load(args.load)
    check_fields(load_value, load_unit, args.rpe)  # the store's own check, before the model runs
    if args.force_reference and not args.reference:
        raise FormcheckError("--force-reference goes with --reference")
    return SaveOptions(clean_name(args.athlete), parse_date(args.date) if args.date else None, load_value, load_unit,
                       args.rpe, args.notes, args.keep_video, args.reference, args.force_reference)


def reference_for(args: argparse.Namespace, lift: str):
    """The --athlete's saved reference for `lift` to judge this set against (saved or not); None
    without --athlete, when this set is to become the reference, or when there is none."""
    if not args.athlete or args.reference or lift not in ("squat", "deadlift", "rdl"):
        return None
    from formcheck.store import Store, clean_name

    with Store() as store:
        return store.reference(clean_name(args.athlete), lift)


def _make_reference(store, session_id: int, report: dict, force: bool) -> None:
    from formcheck.relative import reference_problems

    problems = reference_problems(report)
    record = store.session(session_id)
    if problems and (not force or problems[0].startswith("it has no")):
        raise FormcheckError(
            f"session {session_id} not made {record.athlete}'s {record.lift} reference: {'; '.join(problems)}. "
            "A reference should be a set you and your coach call good form"
            + ("" if problems[0].startswith("it has no") else " (--force keeps it anyway)") + ".")
    store.set_reference(session_id)
    print(f"session {session_id} ({record.recorded_on}) is now {record.athlete}'s {record.lift} reference"
          + (f", though {'; '.join(problems)}" if problems else ""))


def save_analyzed(options: SaveOptions | None, video: Path, analysis, assessment, report) -> None:
    """Save an analysed set (thumbnails of its flagged frames included) and say where."""
    if options is None:
        return
    from formcheck import sessions
    from formcheck.review import Reviewed
    from formcheck.store import NewSession, Store

    if not report.lift or report.lift == "none":
        print("not saved: no lift was found in this clip")
        return
    reviewed = Reviewed(video.name, video, analysis, assessment)
    thumbs = sessions.thumbnails(reviewed, report)
    with Store() as store:
        saved = store.save(NewSession(
            options.athlete, report, options.recorded_on or sessions.recorded_date(report),
            options.load_value, options.load_unit, options.rpe, options.notes, thumbs,
            video if options.keep_video else None, phase_stills=sessions.phase_stills(reviewed, report)))
        print(f"saved session {saved.id}: {saved.athlete}, {saved.lift}, {saved.recorded_on}"
              f"{', ' + saved.load if saved.load else ''} ({len(thumbs)} flagged-frame thumbnails"
              f"{', video kept' if options.keep_video else ''}) in {store.describe()}")
        if options.reference:
            _make_reference(store, saved.id, report.to_dict(frames=False), options.force_reference)


def cmd_reference(args: argparse.Namespace, err: TextIO) -> int:
    from formcheck.store import Store, clean_name

    with Store() as store:
        if args.set is not None:
            record = store.session(args.set)
            if record.athlete != clean_name(args.athlete):
                raise FormcheckError(f"session {args.set} is {record.athlete}'s, not {args.athlete}'s")
            _make_reference(store, args.set, store.report_dict(args.set), args.force)
            return 0
        if args.clear:
            if not args.lift:
                raise FormcheckError("--clear needs --lift")
            cleared = store.clear_reference(args.athlete, args.lift)
            print(f"{args.athlete}'s {args.lift} reference {'cleared' if cleared else 'was not set'}")
            return 0
        refs = store.references(args.athlete)
        if args.lift:
            refs = {k: v for k, v in refs.items() if k == args.lift}
        if not refs:
            print(f"{args.athlete} has no reference{' for ' + args.lift if args.lift else ''} yet: "
                  "formcheck reference --athlete NAME --set SESSION_ID, or analyze ... --reference")
        for lift, r in sorted(refs.items()):
            print(f"{lift}: session {r.id} of {r.recorded_on} ({r.video_name}, score {_fmt(r.score)})")
    return 0


def _groups(records) -> dict[tuple[str, str], list]:
    out: dict[tuple[str, str], list] = {}
    for r in records:
        out.setdefault((r.athlete, r.lift), []).append(r)
    return out


def _fmt(value, spec: str = "g") -> str:
    return "-" if value is None else format(value, spec)


def cmd_history(args: argparse.Namespace, err: TextIO) -> int:
    from formcheck import history
    from formcheck.store import Store, clean_name

    if args.weeks < 0:
        raise FormcheckError("--weeks must be 0 (all) or more")
    since = history.weeks_since(args.weeks)
    with Store() as store:
        if args.athlete and args.athlete.strip():
            athletes = store.athletes()
            if clean_name(args.athlete) not in athletes:
                known = ", ".join(athletes) or "none yet"
                raise FormcheckError(f"no sessions saved for {args.athlete!r} (athletes: {known})")
        records = store.sessions(athlete=args.athlete, lift=args.lift, since=since)
        groups = _groups(records)
        out = []
        for (athlete, lift), group in groups.items():
            weekly = history.weekly(group)
            line = history.trend(group)
            out.append({
                "athlete": athlete, "lift": lift, "sessions": [r.to_dict() for r in group],
                "weekly": [{**row, "week": row["week"].isoformat()} for row in weekly.to_dict("records")],
                "trend": None if line is None else {"slope_points_per_week": round(line.slope_per_week, 2),
                                                     "origin": line.origin.isoformat(),
                                                     "intercept": round(line.intercept, 2), "summary": line.describe()},
            })
        if args.json:
            print(json.dumps({"database": store.describe(), "since": since and since.isoformat(), "groups": out},
                             indent=1, default=str))
            return 0
        span = "all time" if since is None else f"since {since} ({args.weeks} weeks)"
        if not out:
            print(f"no saved sessions {span} in {store.describe()}")
            return 0
        for group, data in zip(groups.values(), out):
            print(f"{data['athlete']} - {data['lift']}: {len(group)} sessions, {span}")
            print(f"  {'id':>4}  {'date':10}  {'load':>9}  {'RPE':>4}  {'score':>5}  {'reps':>4}  {'flags':>5}  notes")
            for r in group:
                print(f"  {r.id:>4}  {r.recorded_on.isoformat():10}  {r.load or '-':>9}  {_fmt(r.rpe):>4}  "
                      f"{_fmt(r.score, '.0f'):>5}  {r.reps:>4}  {r.faults:>5}  {r.notes[:40]}")
            print(f"  {'week of':10}  {'sessions':>8}  {'mean':>5}  {'trend':>5}")
            for w in data["weekly"]:
                print(f"  {w['week']:10}  {w['sessions']:>8}  {_fmt(w['mean_score'], '.1f'):>5}  "
                      f"{_fmt(w['trend_score'], '.1f'):>5}")
            print(f"  trend: {data['trend']['summary'] if data['trend'] else 'needs sessions on two days or more'}")
    return 0


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "athlete"


def cmd_export(args: argparse.Namespace, err: TextIO) -> int:
    from formcheck.store import Store

    with Store() as store:
        data = store.export(args.athlete)
    out = args.out or Path(f"{_slug(data['athlete'])}_formcheck.json")
    if out.is_dir():
        raise FormcheckError(f"{out} is a folder: give a file name")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, out)
    except OSError as exc:
        raise FormcheckError(f"cannot write {out}: {exc.strerror}") from None
    print(f"wrote {out}: {len(data['sessions'])} sessions of {data['athlete']}")
    return 0


def cmd_edit(args: argparse.Namespace, err: TextIO) -> int:
    from formcheck.sessions import parse_date, parse_load
    from formcheck.store import Store

    fields: dict = {}
    if args.date is not None:
        fields["recorded_on"] = parse_date(args.date)
    if args.load is not None:
        none = args.load.strip().lower() == "none"
        fields["load_value"], fields["load_unit"] = (None, None) if none else parse_load(args.load)
    if args.rpe is not None:
        if args.rpe.strip().lower() == "none":
            fields["rpe"] = None
        else:
            try:
                fields["rpe"] = float(args.rpe)
            except ValueError:
                raise FormcheckError(f"--rpe {args.rpe!r}: a number from 1 to 10, or none") from None
    if args.notes is not None:
        fields["notes"] = args.notes
    if not fields:
        raise FormcheckError("nothing to change: give --date, --load, --rpe or --notes")
    with Store() as store:
        record = store.update(args.session, **fields)
    print(f"session {record.id}: {record.athlete}, {record.lift}, {record.recorded_on}, load {record.load or '-'}, "
          f"RPE {_fmt(record.rpe)}, notes {record.notes!r}")
    return 0


def cmd_delete(args: argparse.Namespace, err: TextIO) -> int:
    from formcheck.store import Store

    with Store() as store:
        record = store.session(args.session)
        what = f"session {record.id} ({record.athlete}, {record.lift}, {record.recorded_on})"
        if not args.yes:
            raise FormcheckError(f"add --yes to delete {what} and its files")
        store.delete(record.id)
    print(f"deleted {what}")
    return 0


COMMANDS = {"history": cmd_history, "export": cmd_export, "edit": cmd_edit, "delete": cmd_delete, "reference": cmd_reference}
