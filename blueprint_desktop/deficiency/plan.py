"""The response window and the four-phase plan of a deficiency notice.

The window is a per-notice field, never a constant of the product (regulation.md section 5: vendors
give both "30 days from the notice" and "10 business days"; 42 CFR 422.502(c)(2) gives an applicant 10
days after a notice of intent to deny, unverified). Defaults: 30 calendar days for a deficiency notice
(the seed's 30-day plan), 10 calendar days for an application NOID. Calendar days count every day;
business days skip Saturdays, Sundays and the observed federal holidays (``holidays.py``, computed
from 5 U.S.C. 6103(a), so no network is needed).

The four phases (triage; identify and contract; compile documentation; submit) come from the product
seed, not from CMS text: their default offsets are fractions of the window so that a 10-day window
gets the same shape as a 30-day one. For 30 days: triage days 0-3, identify and contract 3-20, compile
documentation 15-27 (documentation starts while the last contracts are chased), submit 27-30.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.store.schema_deficiency import PHASES

DEFAULT_WINDOWS = {"deficiency": 30, "application": 10, "other": 30}
WINDOW_UNITS = ("calendar", "business")

# (start fraction, end fraction) of the window and the default owner, per phase (product seed).
PHASE_DEFAULTS: dict[str, tuple[float, float, str]] = {
    "triage": (0.0, 0.1, "Network manager"),
    "identify and contract": (0.1, 2 / 3, "Provider contracting"),
    "compile documentation": (0.5, 0.9, "Compliance"),
    "submit": (0.9, 1.0, "Compliance officer"),
}

# Warn in the timeline and the checks when this few days remain (a working week plus a weekend).
WARN_DAYS = 7


def parse_date(value: Any, what: str = "date") -> date:
    """An ISO date (or the date part of an ISO datetime) as a ``date``; BlueprintError otherwise."""
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise BlueprintError(f"{what} {value!r} is not a date (expected YYYY-MM-DD)") from None


def add_business_days(start: date, days: int) -> date:
    """``start`` + ``days`` business days: weekends and observed federal holidays are skipped."""
    from blueprint_desktop.deficiency.holidays import is_business_day

    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            left -= 1
    return current


def due_date(notice_date: date | str, window_days: int = 30, unit: str = "calendar") -> date:
    """The response due date: notice date + the window (calendar days unless ``unit='business'``).

    Plain calendar arithmetic: 2027-01-31 + 30 = 2027-03-02; 2028-01-31 + 30 = 2028-03-01 (a leap year).
    """
    start = parse_date(notice_date, "notice date")
    if window_days <= 0:
        raise BlueprintError(f"response window {window_days} must be a positive number of days")
    if unit == "calendar":
        return start + timedelta(days=window_days)
    if unit == "business":
        return add_business_days(start, window_days)
    raise BlueprintError(f"window unit {unit!r} is not one of {', '.join(WINDOW_UNITS)}")


@dataclass(frozen=True)
class PhaseDates:
    phase: str
    start: date
    due: date
    owner: str

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["start"], out["due"] = self.start.isoformat(), self.due.isoformat()
        return out


def _round_half_up(x: float) -> int:
    return int(math.floor(x + 0.5))


def default_phases(notice_date: date | str, due: date | str) -> list[PhaseDates]:
    """The four phases between the notice date and the due date, at their default fractions.

    Offsets are whole days rounded half up from the fraction of the span (30 days: 0-3, 3-20, 15-27,
    27-30), and the last phase always ends on the due date.
    """
    start = parse_date(notice_date, "notice date")
    end = parse_date(due, "due date")
    span = (end - start).days
    if span < 0:
        raise BlueprintError(f"due date {end} is before the notice date {start}")
    out = []
    for phase in PHASES:
        a, b, owner = PHASE_DEFAULTS[phase]
        s = start + timedelta(days=_round_half_up(a * span))
        e = end if b >= 1.0 else start + timedelta(days=_round_half_up(b * span))
        out.append(PhaseDates(phase, s, max(s, e), owner))
    return out


def days_left(due: date | str, today: date | None = None) -> int:
    """Calendar days from ``today`` to the due date (0 on the day, negative once missed)."""
    return (parse_date(due, "due date") - (today or date.today())).days


def window_state(due: date | str, today: date | None = None, submitted: bool = False) -> str:
    """'submitted', 'missed' (past due), 'at risk' (WARN_DAYS or fewer left) or 'on track'."""
    if submitted:
        return "submitted"
    left = days_left(due, today)
    if left < 0:
        return "missed"
    if left <= WARN_DAYS:
        return "at risk"
    return "on track"


# -- stored plan ------------------------------------------------------------------------------------
def create_milestones(project, gap_id: int, notice_date: str, due: str) -> None:
    """Insert the four default milestones of a gap (inside the caller's transaction)."""
    with project.transaction():
        project.insert_rows(
            "plan_milestones",
            [
                {
                    "gap_id": gap_id,
                    "phase": p.phase,
                    "start_date": p.start.isoformat(),
                    "due_date": p.due.isoformat(),
                    "owner": p.owner,
                }
                for p in default_phases(notice_date, due)
            ],
        )


def set_window(
    project,
    notice_id: int,
    days: int | None = None,
    unit: str | None = None,
    due: str | None = None,
    kind: str | None = None,
) -> dict[str, Any]:
    """Change a notice's response window (days/unit) or set its due date outright (``due``).

    Milestones nobody edited move with the new due date; edited ones stay as the person set them.
    Returns the notice as ``notice.get_notice`` gives it.
    """
    from blueprint_desktop.deficiency.notice import get_notice

    notice = get_notice(project, notice_id)
    new_days = notice["window_days"] if days is None else int(days)
    new_unit = unit or notice["window_unit"]
    new_kind = kind or notice["window_kind"]
    if days is None and kind and kind != notice["window_kind"]:
        new_days = DEFAULT_WINDOWS[kind]
    if due:
        new_due, overridden = parse_date(due, "due date"), 1
        if new_due < parse_date(notice["notice_date"]):
            raise BlueprintError(f"due date {new_due} is before the notice date {notice['notice_date']}")
    else:
        new_due, overridden = due_date(notice["notice_date"], new_days, new_unit), 0
    with project.transaction():
        project.conn.execute(
            "UPDATE deficiency_notices SET window_days = ?, window_unit = ?, window_kind = ?, due_date = ?,"
            " due_overridden = ? WHERE id = ?",
            (new_days, new_unit, new_kind, new_due.isoformat(), overridden, notice_id),
        )
        phases = {p.phase: p for p in default_phases(notice["notice_date"], new_due)}
        for gap_id, phase in project.conn.execute(
            "SELECT m.gap_id, m.phase FROM plan_milestones m JOIN cited_gaps g ON g.id = m.gap_id"
            " WHERE g.notice_id = ? AND m.edited = 0",
            (notice_id,),
        ).fetchall():
            p = phases[phase]
            project.conn.execute(
                "UPDATE plan_milestones SET start_date = ?, due_date = ? WHERE gap_id = ? AND phase = ?",
                (p.start.isoformat(), p.due.isoformat(), gap_id, phase),
            )
        project.audit(
            "deficiency.window",
            "deficiency_notice",
            notice_id,
            {"window_days": new_days, "unit": new_unit, "kind": new_kind, "due_date": new_due.isoformat()},
        )
    return get_notice(project, notice_id)


def update_milestone(
    project,
    gap_id: int,
    phase: str,
    start: str | None = None,
    due: str | None = None,
    owner: str | None = None,
    done: str | None = None,
    undone: bool = False,
) -> dict[str, Any]:
    """Edit one milestone (dates, owner) or mark it done on a date; returns the milestone."""
    if phase not in PHASES:
        raise BlueprintError(f"phase {phase!r} is not one of {', '.join(PHASES)}")
    row = project.conn.execute(
        "SELECT start_date, due_date, owner, done_date FROM plan_milestones WHERE gap_id = ? AND phase = ?",
        (gap_id, phase),
    ).fetchone()
    if row is None:
        raise BlueprintError(f"gap {gap_id} has no plan (no such cited gap)")
    new_start = parse_date(start, "start date").isoformat() if start else row[0]
    new_due = parse_date(due, "due date").isoformat() if due else row[1]
    if new_due < new_start:
        raise BlueprintError(f"{phase}: due date {new_due} is before its start {new_start}")
    new_done = None if undone else (parse_date(done, "done date").isoformat() if done else row[3])
    edited = 1 if (start or due) else None
    with project.transaction():
        project.conn.execute(
            "UPDATE plan_milestones SET start_date = ?, due_date = ?, owner = ?, done_date = ?,"
            " edited = coalesce(?, edited) WHERE gap_id = ? AND phase = ?",
            (new_start, new_due, owner or row[2], new_done, edited, gap_id, phase),
        )
        project.audit(
            "deficiency.milestone",
            "cited_gap",
            gap_id,
            {"phase": phase, "start": new_start, "due": new_due, "owner": owner or row[2], "done": new_done},
        )
    return next(m for m in milestones(project, gap_id=gap_id) if m["phase"] == phase)


def mark_done(
    project,
    items: list[tuple[int, str]],
    done: str | date | None = None,
    owner: str | None = None,
    undone: bool = False,
) -> list[dict[str, Any]]:
    """Mark several milestones (gap id, phase) done on ``done`` (default today), or not done with
    ``undone``, with an optional owner: all in one transaction. Returns the milestones."""
    if not items:
        raise BlueprintError("no plan phase selected")
    when = None if undone else parse_date(done or date.today(), "done date").isoformat()
    with project.transaction():
        return [
            update_milestone(project, int(gap_id), phase, owner=owner or None, done=when, undone=undone)
            for gap_id, phase in items
        ]


def milestones(
    project, notice_id: int | None = None, gap_id: int | None = None, today: date | None = None
) -> list[dict[str, Any]]:
    """Milestones (one per gap x phase) with ``overdue`` (past due, not done), in gap then phase order."""
    today = today or date.today()
    where, args = [], []
    if notice_id is not None:
        where.append("g.notice_id = ?")
        args.append(notice_id)
    if gap_id is not None:
        where.append("m.gap_id = ?")
        args.append(gap_id)
    cur = project.conn.execute(
        "SELECT m.gap_id, g.notice_id, m.phase, m.start_date, m.due_date, m.owner, m.done_date, m.edited"
        " FROM plan_milestones m JOIN cited_gaps g ON g.id = m.gap_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY m.gap_id",
        args,
    )
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    order = {p: i for i, p in enumerate(PHASES)}
    rows.sort(key=lambda r: (r["gap_id"], order[r["phase"]]))
    for r in rows:
        r["edited"] = bool(r["edited"])
        r["overdue"] = r["done_date"] is None and parse_date(r["due_date"]) < today
    return rows
