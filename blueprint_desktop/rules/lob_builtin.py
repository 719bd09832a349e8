"""The Medicaid and QHP rule tables built into the app, and which one a project uses.

The tables are ``resources/rules/medicaid_*.csv`` and ``qhp_*.csv``, derived by
``installers/derive_lob_rules.py`` from a transcription of the published texts, each row citing its
source. Every file opens with ``# key: value`` lines naming the set (key, line of business, state, name,
first plan year, vintage). Two kinds:

- **rule sets** (time/distance, the layout ``blueprint import ruleset`` accepts): scored like a loaded rule
  set. Built in: ``medicaid-CA-2026`` (W&I Code 14197), ``medicaid-PA-2026`` (28 Pa. Code 9.679),
  ``medicaid-MI-2026`` (MDHHS standards), ``medicaid-AZ-2026`` (AHCCCS ACOM 436), ``medicaid-MN-2026``
  (Minn. Stat. 62D.124) and ``medicaid-GA-2026`` (Georgia Families Contract, Figure 1), and for QHPs ``qhp-ffe-td-2026`` (the Letter to Issuers table as Michigan DIFS
  reproduces it) and ``qhp-ffe-sadp-2026`` (its Dental row for a stand-alone dental plan, used only when chosen); docs/rules.md section 14 says which sources were primary and what is our reading;
- **requirements** (not scored): the 42 CFR 438.68 framework and the FFE QHP requirements of plan year
  2026 (share within standard, appointment wait times, essential community providers).

Which set a project uses (``choose_builtin``): a rule set the user loaded always wins (``lob.py``); else the
built-in set the user chose for the project (``blueprint ruleset PROJECT --use KEY``, kept in the project's
``meta`` table under ``lob_ruleset``); else, automatically, the newest built-in rule set of the project's
line of business (and, for Medicaid, of the one state of its service area) whose first plan year is at or
before the project's plan year. A set of another line of business, or a Medicaid set of another state than
every county of the service area, is refused: a project never mixes lines of business or states.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from blueprint_desktop.errors import BlueprintError

RULES_DIR = Path(__file__).resolve().parents[2] / "resources" / "rules"
META_KEY = "lob_ruleset"
PATTERNS = ("medicaid_*.csv", "qhp_*.csv")


@dataclass(frozen=True)
class BuiltinSet:
    key: str
    lob: str
    kind: str  # "ruleset" (time/distance, scored) | "requirements" | "not scored"
    name: str
    file_name: str
    state: str | None = None
    effective_from: int | None = None
    plan_year: int | None = None
    vintage: str = ""
    notes: tuple[str, ...] = ()
    rows: tuple[dict[str, str], ...] = field(default=(), repr=False)
    # False ("# auto: no"): used only when chosen for a project, never picked automatically (the stand-alone
    # dental plan set beside the medical QHP one).
    auto: bool = True

    @property
    def scorable(self) -> bool:
        return self.kind == "ruleset" and bool(self.rows)

    @property
    def lines(self) -> list[str]:
        return list(dict.fromkeys(r["line_code"] for r in self.rows)) if self.kind == "ruleset" else []

    def sources(self) -> list[dict[str, str]]:
        """Each distinct source the set cites: title, URL, vintage and whether the text read was primary."""
        seen: dict[str, dict[str, str]] = {}
        for r in self.rows:
            seen.setdefault(
                r["source_url"],
                {"title": r["source"], "url": r["source_url"], "vintage": r["source_vintage"],
                 "verified": r["verified"]},
            )  # fmt: skip
        return list(seen.values())

    def label(self) -> str:
        where = f" {self.state}" if self.state else ""
        return f"{self.name} (built in: {self.key}{where})"

    def as_dict(self, rows: bool = False) -> dict[str, Any]:
        out = {
            "key": self.key, "lob": self.lob, "kind": self.kind, "state": self.state, "name": self.name,
            "file": self.file_name, "effective_from": self.effective_from, "plan_year": self.plan_year,
            "vintage": self.vintage, "notes": list(self.notes), "scorable": self.scorable, "lines": self.lines,
            "sources": self.sources(), "auto": self.auto,
        }  # fmt: skip
        if rows:
            out["rows"] = [dict(r) for r in self.rows]
        return out


def _read(path: Path) -> BuiltinSet:
    meta: dict[str, str] = {}
    body: list[str] = []
    with path.open(newline="", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#"):
                key, sep, value = line[1:].partition(":")
                if sep:
                    meta[key.strip()] = value.strip()
            else:
                body.append(line)
    if "key" not in meta or "lob" not in meta:
        raise BlueprintError(
            f"{path}: a built-in rule table without its '# key:' / '# lob:' header; reinstall"
        )
    rows = tuple(dict(r) for r in csv.DictReader(body))
    kind = meta.get("kind", "ruleset")
    return BuiltinSet(
        key=meta["key"],
        lob=meta["lob"],
        kind=kind,
        name=meta.get("name", meta["key"]),
        file_name=path.name,
        state=meta.get("state") or None,
        effective_from=int(meta["effective_from"]) if meta.get("effective_from") else None,
        plan_year=int(meta["plan_year"]) if meta.get("plan_year") else None,
        vintage=meta.get("vintage", ""),
        notes=tuple(v for k, v in sorted(meta.items()) if k.startswith("note_")),
        rows=rows,
        auto=meta.get("auto", "yes").lower() != "no",
    )


@lru_cache(maxsize=2)
def load_builtins(folder: Path | str = RULES_DIR) -> tuple[BuiltinSet, ...]:
    """Every built-in Medicaid/QHP table, sorted by line of business, state and key."""
    folder = Path(folder)
    sets = [_read(p) for pattern in PATTERNS for p in sorted(folder.glob(pattern))]
    keys = [s.key for s in sets]
    if len(set(keys)) != len(keys):
        raise BlueprintError(f"{folder}: two built-in rule tables share a key")
    return tuple(sorted(sets, key=lambda s: (s.lob, s.state or "", s.key)))


def builtin_sets(
    lob: str | None = None, state: str | None = None, scorable: bool | None = None
) -> list[BuiltinSet]:
    """The built-in tables, optionally of one line of business / state / kind."""
    out = []
    for s in load_builtins():
        if lob and s.lob != lob:
            continue
        if state and s.state not in (None, state):
            continue
        if scorable is not None and s.scorable != scorable:
            continue
        out.append(s)
    return out


def get_builtin(key: str) -> BuiltinSet:
    for s in load_builtins():
        if s.key.lower() == key.strip().lower():
            return s
    known = ", ".join(s.key for s in load_builtins() if s.scorable)
    raise BlueprintError(
        f"{key!r} is not a built-in rule set (built in: {known}; `blueprint ruleset --list`)"
    )


def project_states(project) -> list[str]:
    """The USPS states of the project's service area."""
    return [r[0] for r in project.conn.execute("SELECT DISTINCT state FROM service_area ORDER BY state")]


def check_fits(project, chosen: BuiltinSet) -> None:
    """Refuse a built-in set that would mix lines of business or states in this project."""
    if chosen.lob != project.lob:
        raise BlueprintError(
            f"{project.path}: is a {project.lob.upper()} project; the built-in {chosen.lob.upper()} rule set "
            f"{chosen.key} cannot be used in it (lines of business are never mixed)"
        )
    if not chosen.scorable:
        raise BlueprintError(
            f"{chosen.key} holds requirements, not time/distance standards, and cannot be scored "
            "(`blueprint ruleset --list`)"
        )
    if chosen.state:
        others = [s for s in project_states(project) if s != chosen.state]
        if others:
            raise BlueprintError(
                f"{project.path}: the service area includes counties in {', '.join(others)}; the built-in "
                f"{chosen.key} holds {chosen.state} standards only (a Medicaid project covers one state's "
                "program; split the project or load a rule set of your own)"
            )


def chosen_key(project) -> str | None:
    """The built-in set the user chose for this project, or None (automatic)."""
    if project is None:
        return None
    return (project.get_meta(META_KEY, "") or "").strip() or None


def choose_builtin(project, lob: str) -> tuple[BuiltinSet | None, str]:
    """The built-in rule set a project of this line of business uses, or None and the reason why none."""
    if project is None:
        return None, "no project: built-in Medicaid sets depend on the project's state"
    key = chosen_key(project)
    if key:
        chosen = get_builtin(key)
        check_fits(project, chosen)
        return chosen, f"chosen for this project ({key})"
    states = project_states(project)
    candidates = [s for s in builtin_sets(lob, scorable=True) if s.auto]
    if lob == "medicaid":
        if len(states) != 1:
            return None, (
                f"the service area spans {', '.join(states) or 'no state'}; Medicaid standards are per state, so "
                "no built-in set is chosen automatically"
            )
        candidates = [s for s in candidates if s.state == states[0]]
        if not candidates:
            have = ", ".join(sorted({s.state for s in builtin_sets("medicaid", scorable=True) if s.state}))
            return None, f"no built-in Medicaid standards for {states[0]} (built in: {have})"
    if not candidates:
        return None, f"no built-in {lob.upper()} time/distance standards (docs/rules.md says why)"
    year = project.plan_year or 0
    usable = [s for s in candidates if (s.effective_from or 0) <= year]
    if not usable:
        first = min(s.effective_from or 0 for s in candidates)
        return (
            None,
            f"the built-in {lob.upper()} standards start with plan year {first}; this project is {year}",
        )
    best = max(usable, key=lambda s: (s.effective_from or 0, s.plan_year or 0, s.key))
    return best, f"automatic for {lob.upper()}{' ' + best.state if best.state else ''}, plan year {year}"


def set_project_builtin(project, key: str | None) -> BuiltinSet | None:
    """Choose (or, with None / 'auto', clear) the built-in rule set a project uses; audited."""
    if key is None or key.strip().lower() == "auto":
        project.set_meta(META_KEY, "")
        project.audit("ruleset.builtin.auto", "meta", META_KEY, {"lob": project.lob})
        return None
    chosen = get_builtin(key)
    check_fits(project, chosen)
    project.set_meta(META_KEY, chosen.key)
    project.audit("ruleset.builtin.use", "meta", META_KEY, {"key": chosen.key, "file": chosen.file_name})
    return chosen
