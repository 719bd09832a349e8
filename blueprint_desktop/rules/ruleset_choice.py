"""Which Medicaid or QHP rule set a project uses, what else it could use, and undoing a loaded one.

The window's "Standards for this project" dialog and ``blueprint ruleset PROJECT`` both read
``ruleset_choices``: the set in force and why (``lob.active_ruleset``), the files the user loaded (newest
first: the newest wins), and every built-in scored set of the project's line of business with whether it
fits the project (``lob_builtin.check_fits``: a set of another state is shown with the reason it cannot be
used, never silently skipped).

A loaded rule set replaces the one loaded before it only in effect: every file stays in the project, so
``remove_loaded_ruleset`` (the undo) puts the previous one, or the built-in choice, back in force.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from blueprint_desktop.errors import BlueprintError


@dataclass(frozen=True)
class BuiltinOption:
    key: str
    name: str
    state: str | None
    auto: bool  # picked automatically when nothing is chosen (False: only when chosen)
    fits: bool
    why_not: str  # why it cannot be used in this project ("" when it fits)
    notes: tuple[str, ...] = ()


@dataclass
class RulesetChoices:
    lob: str
    in_force: str  # the label of the set in force, or "" when none applies
    why: str  # why it applies (or why none does)
    chosen_key: str | None  # the built-in set chosen for the project; None = automatic
    loaded: list[dict[str, Any]] = field(default_factory=list)  # newest first
    options: list[BuiltinOption] = field(default_factory=list)
    notes: tuple[str, ...] = ()  # of the set in force


def ruleset_choices(project) -> RulesetChoices:
    """Everything a user needs to see and choose a Medicaid/QHP project's rule set (MA: refused)."""
    from blueprint_desktop.rules import lob as lob_rules
    from blueprint_desktop.rules import lob_builtin

    lob = project.lob
    if lob == "ma":
        raise BlueprintError(
            f"{project.path}: an MA project uses the CMS HSD criteria (import a CMS HSD Reference File), not a "
            "Medicaid or QHP rule set"
        )
    options = []
    for s in lob_builtin.builtin_sets(lob, scorable=True):
        try:
            lob_builtin.check_fits(project, s)
            fits, why_not = True, ""
        except BlueprintError as exc:
            fits, why_not = False, str(exc).split(": ", 1)[-1]
        options.append(BuiltinOption(s.key, s.name, s.state, s.auto, fits, why_not, s.notes))
    chosen = lob_builtin.chosen_key(project)
    try:
        ruleset = lob_rules.active_ruleset(project, lob)
        from blueprint_desktop.rules.other_lines import pooling_notes

        in_force, why = ruleset.label, ruleset.chosen_because
        sources = [
            f"source ({x.get('verified') or 'loaded'}): {x.get('title')} <{x.get('url')}>; {x.get('vintage')}"
            for x in ruleset.sources
        ]
        notes = (*ruleset.notes, *pooling_notes(lob, ruleset.lines), *sources)
    except BlueprintError as exc:
        in_force, why, notes = "", str(exc), ()
    return RulesetChoices(lob, in_force, why, chosen, loaded_rulesets(project), options, tuple(notes))


def loaded_rulesets(project) -> list[dict[str, Any]]:
    """The rule set files loaded into the project, newest (the one in force) first."""
    if "rule_sets" not in project.db.table_names():
        return []
    cur = project.conn.execute(
        "SELECT r.id, r.name, r.file_name, r.imported_at, count(l.line_code) FROM rule_sets r"
        " LEFT JOIN rule_set_lines l ON l.rule_set_id = r.id WHERE r.lob = ? GROUP BY r.id ORDER BY r.id DESC",
        (project.lob,),
    )
    return [
        {"id": i, "name": n, "file": f, "imported_at": t, "rows": rows} for i, n, f, t, rows in cur.fetchall()
    ]


def remove_loaded_ruleset(project) -> str:
    """Undo the newest rule set file loaded (audited): the one before it, or the built-in choice, applies
    again. Returns what applies now, in words."""
    loaded = loaded_rulesets(project)
    if not loaded:
        raise BlueprintError(f"{project.path}: no rule set file is loaded, so there is none to remove")
    newest = loaded[0]
    with project.transaction():
        project.conn.execute("DELETE FROM rule_sets WHERE id = ?", (newest["id"],))
        project.audit(
            f"ruleset.remove.{project.lob}",
            "rule_sets",
            newest["id"],
            {"file": newest["file"], "name": newest["name"]},
        )
    now = ruleset_choices(project)
    return now.in_force or now.why
