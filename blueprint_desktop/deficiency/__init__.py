"""Deficiency response: a CMS deficiency notice from intake to submission (headless; no Qt).

- ``notice``: import a notice (CSV/XLSX or text pasted from HPMS) into cited gaps (county x line).
- ``plan``: the response window and the four phases per gap (pure date arithmetic + storage).
- ``pathways``: cure, exception request or service area reduction per gap, each with a checklist that
  fills itself from project data.
- ``outreach``: the append-only outreach log and its attachments.
- ``checks``: the six checks that keep a response honest.
- ``cure``: per gap cured / pending credentialing / needs exception / open, re-scored cell by cell.
- ``gaps``: reading cited gaps and the providers they concern (shared by the above and by exports).
"""
