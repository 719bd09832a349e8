"""Are the latest results older than the data they were computed from?

Every scoring run and every change to its inputs leaves an audit entry (``score.run``; ``roster.status``
edits, ``import.*`` batches, road networks...). The audit log is append-only with increasing ids, so "the
results are stale" is simply "some input-changing entry comes after the last ``score.run`` entry". This
is cheap (two indexed lookups) and exact, unlike comparing second-resolution timestamps.
"""

from __future__ import annotations

from typing import Any

# Audit actions that change what a scoring run reads (providers, locations, standards, population, roads;
# "ruleset.%": choosing a built-in Medicaid/QHP set or removing a loaded one).
INPUT_ACTIONS = ("roster.%", "import.%", "provider.%", "roads.%", "settings.%", "ruleset.%")


def changes_since_last_run(project) -> list[dict[str, Any]]:
    """Input-changing audit entries after the latest ``score.run`` (all of them when never scored)."""
    row = project.conn.execute("SELECT max(id) FROM audit_log WHERE action = 'score.run'").fetchone()
    last_run = row[0] if row and row[0] is not None else 0
    like = " OR ".join("action LIKE ?" for _ in INPUT_ACTIONS)
    cur = project.conn.execute(
        f"SELECT id, at, action, entity_id FROM audit_log WHERE id > ? AND ({like}) ORDER BY id",
        (last_run, *INPUT_ACTIONS),
    )
    return [{"id": r[0], "at": r[1], "action": r[2], "entity_id": r[3]} for r in cur]


def results_outdated(project) -> bool:
    """True when the project was scored and its inputs changed since the latest run."""
    scored = project.conn.execute("SELECT 1 FROM audit_log WHERE action = 'score.run' LIMIT 1").fetchone()
    return bool(scored) and bool(changes_since_last_run(project))
