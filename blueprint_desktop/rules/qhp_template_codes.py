"""Specialty codes of the FFE QHP network adequacy template that are not CMS MA HSD codes.

Blueprint reads a roster's specialty codes as CMS HSD codes (MA's list), whatever the project's line of
business. The QHP template numbers some types differently: these codes are not HSD codes at all, and its 037
is Emergency Medicine where the HSD list's 037 is Clinical Social Work. A row carrying one of them is refused
like any unknown code, and the message names what the code means in the QHP template, so that a QHP issuer
importing that template knows why and what to give instead (the row's NUCC taxonomy, or an HSD code).

Source: the specialty type and code lists that Michigan DIFS reproduces from the QHP template ("Michigan
Network Adequacy Guidance", updated 3.26, appendix 9.1; read in a third party's text extraction, so secondary:
installers/derive_lob_rules.py, source QHP-MI-DIFS).
"""

from __future__ import annotations

QHP_ONLY_CODES = {
    "101": "Primary Care - Pediatric",
    "102": "Social Worker",
    "103": "Psychologist",
    "105": "Marriage & Family Therapist",
    "106": "Addiction (SUD) Counselor",
    "107": "Counselor (Mental Health & Professional)",
    "108": "Behavioral Health - Advanced Practice RN",
    "201": "Dental - General",
    "202": "Dental - Orthodontist",
    "203": "Dental - Periodontist",
    "204": "Dental - Endodontist",
    "206": "Dental - Prosthodontist",
    "P201": "Pediatric Dental",
    "800": "Addiction Medicine Physician",
    "801": "Behavioral Analyst",
    "072": "Substance Abuse Rehabilitation Facility",
    "076": "Mental Health Residential Treatment Facility",
    "080": "Urgent Care",
    "P072": "Children's Substance Abuse Rehabilitation Facility",
    "P076": "Children's Residential Treatment Facility",
}


def qhp_hint(code: str) -> str:
    """The words added to a refused specialty code that is a QHP template code ("" otherwise)."""
    name = QHP_ONLY_CODES.get(code)
    if not name:
        return ""
    return (
        f"; {code} is {name} in the FFE QHP network adequacy template, whose codes Blueprint does not read "
        "(that template's 037 is Emergency Medicine, the HSD list's 037 Clinical Social Work): give the row's NUCC "
        "taxonomy or an HSD code instead"
    )
