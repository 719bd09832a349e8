"""What a reason or a report cites for the rule it applies, by line of business.

The paragraphs of 42 CFR 422.116 are Medicare Advantage's. A Medicaid or QHP project is scored against its own
rule set (``rules/lob.py``: a state's or the Letter to Issuers' standards, named with every result), so its text
cites no MA paragraph: the rule is said in words, and the rule set is named where the text names its criteria.
"""

from __future__ import annotations

MA_PARAGRAPHS = {
    "share": "42 CFR 422.116(d)",  # the share of beneficiaries within time and distance
    "minimum": "42 CFR 422.116(e)",  # minimum provider counts
    "reach": "42 CFR 422.116(a)(2)(i)",  # a provider counts where it is within reach of the county's beneficiaries
    "excluded": "42 CFR 422.116(a)(3)",  # providers that never count
    "exception": "42 CFR 422.116(f)",  # exceptions
    "credits": "42 CFR 422.116(d)",  # telehealth (d)(5) and Certificate of Need credits
}
FRAMEWORKS = {
    "ma": "Medicare Advantage network adequacy (42 CFR 422.116)",
    "qhp": "ACA marketplace (QHP) network adequacy",
    "medicaid": "Medicaid managed care network adequacy",
}


def is_ma(lob: str | None) -> bool:
    return (lob or "ma").lower() == "ma"


def cite(rule: str, lob: str | None) -> str:
    """' (42 CFR 422.116(d))' for an MA project, '' for another line of business (its rule set is named
    elsewhere in the same text)."""
    return f" ({MA_PARAGRAPHS[rule]})" if is_ma(lob) else ""


def framework(lob: str | None) -> str:
    """The standard a project is measured against, as a report's heading names it."""
    return FRAMEWORKS.get((lob or "ma").lower(), str(lob))
