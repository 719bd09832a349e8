"""The one palette for adequacy statuses, shared by the map, the results table and the reports.

Defined once so a county that is red on the map is red in the table. Green / amber / red follow the
usual traffic-light reading; the strong colours fill map counties and chips, the light tints fill table
cells (dark text stays legible on them), and ``STATUS_TEXT`` is the text colour to put on a strong
colour (white on green and red, near-black on amber, which is too light for white text).
"""

from __future__ import annotations

STATUS_ORDER = ("Pass", "At Risk", "Failing")

STATUS_COLORS = {
    "Pass": "#2e7d32",
    "At Risk": "#f9a825",
    "Failing": "#c62828",
}
STATUS_TINTS = {
    "Pass": "#e3f1e4",
    "At Risk": "#fff3d1",
    "Failing": "#fbe0e0",
}
STATUS_TEXT = {
    "Pass": "#ffffff",
    "At Risk": "#1f1f1f",
    "Failing": "#ffffff",
}
# A county with no result for the line (not scored yet, or the line has no standard there).
NO_RESULT_COLOR = "#9aa3ad"
NO_RESULT_TINT = "#eceff2"

# Statuses that make a county a gap the plan must close (42 CFR 422.116: Failing is out of compliance;
# At Risk passes today on a thin margin and is worked like a gap).
GAP_STATUSES = ("At Risk", "Failing")


def status_color(status: str | None) -> str:
    """Strong colour of a status ('Pass' / 'At Risk' / 'Failing'); grey for anything else."""
    return STATUS_COLORS.get(status or "", NO_RESULT_COLOR)


def status_tint(status: str | None) -> str:
    """Light background tint of a status, for table cells."""
    return STATUS_TINTS.get(status or "", NO_RESULT_TINT)


def status_text_color(status: str | None) -> str:
    """Readable text colour on top of ``status_color(status)``."""
    return STATUS_TEXT.get(status or "", "#1f1f1f")
