"""Schema version 5: what the exports keep (the corrective action package's edited texts).

- ``package_narratives``: every saved version of a cited gap's exception narrative. The package generates
  a draft from project data (``reports/narrative.py``: county type, market supply, outreach attempts,
  distances, shortage designations); a person edits it before export. Each save appends a row holding
  the text, the generated draft it started from and the facts that draft was built on, so the package
  can say whether the narrative was edited and a reviewer can see what changed. Rows are never updated
  (the latest row per gap is the text in force); the current text is also written to
  ``cited_gaps.narrative`` through the deficiency API so the pathway checklist sees it.
"""

SQL = """
CREATE TABLE package_narratives (
    id             INTEGER PRIMARY KEY,
    gap_id         INTEGER NOT NULL REFERENCES cited_gaps(id) ON DELETE CASCADE,
    text           TEXT NOT NULL,
    generated_text TEXT NOT NULL,
    facts_json     TEXT NOT NULL,
    edited         INTEGER NOT NULL CHECK (edited IN (0, 1)),
    saved_at       TEXT NOT NULL,
    saved_by       TEXT NOT NULL
);
CREATE INDEX package_narratives_gap ON package_narratives(gap_id, id);
"""
