"""Derive the built-in Medicaid and QHP rule tables from their transcription in this file.

    .venv/bin/python installers/derive_lob_rules.py            # write resources/rules/{medicaid,qhp}_*.csv
    .venv/bin/python installers/derive_lob_rules.py --check    # exit 1 if a committed file differs

The sources are statutes, regulations and CMS web pages (HTML or PDF), not data files, so the numbers are
transcribed here, each with the source it was read from (``SOURCES``: title, section, URL, vintage and
whether the text read was the primary publication or a secondary copy). Nothing is transcribed that was
not read: where a value could not be verified it is left out and listed in ``NOT_VERIFIED`` (docs/rules.md,
"Other lines of business: QHP and Medicaid", repeats that list). ``tests/test_lob_builtin.py`` checks that
the committed CSVs are exactly what this script writes and that every row cites a source.

Files written (``resources/rules/``):

- ``medicaid_{CA,PA,MN,MI,AZ,GA}_2026.csv``: time/distance rule sets in the layout
  ``blueprint import ruleset`` accepts (``rules/lob.py``), plus source columns and, for California, a
  ``counties`` column (rows that apply to named counties only; built-in sets only). Lines use the CMS HSD
  specialty code a roster row carries (S03, 016, 040, ...) so that rosters score against them;
- ``medicaid_unscored_2026.csv``: state standards transcribed but not scored (no HSD specialty code a
  roster can carry, e.g. pharmacy, dental);
- ``medicaid_federal_438_68.csv``: the 42 CFR 438.68 framework (provider types a state must cover,
  appointment wait times);
- ``qhp_ffe_td_2026.csv``: the FFE QHP time/distance table of the Letter to Issuers, as Michigan DIFS
  reproduces it (secondary: the Letter itself was not read), in the same rule-set layout and HSD codes;
- ``qhp_ffe_2026_requirements.csv``: the FFE QHP requirements of plan year 2026 that could be verified
  (share within time/distance, appointment wait times, essential community provider thresholds and
  categories), and the Letter's time/distance rows that have no HSD code (dental, emergency medicine,
  urgent care, pediatric primary care), transcribed but not scored.

Each CSV opens with ``# key: value`` lines (the set's key, line of business, state, name, vintage) that
``rules/lob_builtin.py`` reads; ``blueprint import ruleset`` skips ``#`` lines too.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "resources" / "rules"
DESIGNATIONS = ("Large Metro", "Metro", "Micro", "Rural", "CEAC")


# -- sources -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    title: str
    url: str
    vintage: str
    verified: str  # "primary" (the publisher's own text) | "secondary" (a copy or summary by someone else)


SOURCES: dict[str, Source] = {
    "CA-WIC-14197": Source(
        "California Welfare and Institutions Code section 14197 (Medi-Cal managed care time or distance "
        "standards), text as shown by the Legislature's bill-compare view of SB 1180 (2021-22)",
        "https://leginfo.legislature.ca.gov/faces/billCompareClient.xhtml?bill_id=202120220SB1180&showamends=false",
        "standards in force from 2018-01-01 ((b)) and 2018-07-01 ((c)); read 2026-12",
        "primary",
    ),
    "CA-DRC": Source(
        "Disability Rights California, publication 5610.01 'Medi-Cal Managed Care Time and Distance "
        "Standards for Providers'",
        "https://www.disabilityrightsca.org/publications/medi-cal-managed-care-time-and-distance-standards-for-providers",
        "undated page quoting the 2018 standards; read 2026-12",
        "secondary",
    ),
    "CA-CCAH": Source(
        "Central California Alliance for Health (Medi-Cal plan), 'Alliance Alternative Access Standards' "
        "page: specialty care by county",
        "https://ccah-alliance.org/alternate_access_standard_requests.html",
        "undated page; read 2026-12",
        "secondary",
    ),
    "CA-HEALTHNET": Source(
        "Health Net Community Solutions (Medi-Cal plan), 'Time and Distance to Care' page: specialty and "
        "outpatient mental health by county, pharmacy, DHCS core specialists",
        "https://m.healthnet.com/content/healthnet/en_us/members/medi-cal/time-and-distance-to-care.html",
        "page last updated 2023-02-03; read 2026-12",
        "secondary",
    ),
    "PA-9.679": Source(
        "28 Pa. Code section 9.679 'Access requirements in service areas' (Pennsylvania Department of "
        "Health managed care regulation; applies to every licensed managed care plan, HealthChoices "
        "Medicaid MCOs included)",
        "https://pacodeandbulletin.gov/Display/pacode?d=reduce&file=%2Fsecure%2Fpacode%2Fdata%2F028%2Fchapter9%2Fs9.679.html",
        "adopted 2001-06-08, effective 2001-06-09 (31 Pa.B. 3043); read 2026-12",
        "primary",
    ),
    "MN-62D.124-1999": Source(
        "Minnesota H.F. 746 (81st Legislature, 1999), as introduced: proposes Minnesota Statutes section "
        "62D.124 'Geographic accessibility' for health maintenance organizations (subd. 1 primary care, mental "
        "health and general hospital services; subd. 2 other health services)",
        "http://www.revisor.mn.gov/bin/getbill.php?number=HF0746&version=0&session=ls81&session_number=0&session_year=1999",
        "bill text as introduced in 1999; the enacted and current text of 62D.124 subd. 1 was not read; read 2026-12",
        "primary",
    ),
    "MN-62D.124-2002": Source(
        "Minnesota H.F. 2903 (83rd Legislature, 2004), as introduced: amends Minnesota Statutes 2002 section "
        "62D.124, subdivision 2, quoting its text in force ('lesser of 60 miles or 60 minutes' to specialty "
        "physician services)",
        "https://www.revisor.mn.gov/bills/text.php?number=HF2903&session=ls83&version=list&session_number=0&session_year=2004",
        "Minnesota Statutes 2002 text as quoted by a 2004 bill; the current text of 62D.124 was not read; read 2026-12",
        "primary",
    ),
    "MN-62K.10": Source(
        "Minnesota Statutes section 62K.10 'Geographic accessibility; provider network adequacy', subd. 2 "
        "(health carriers: lesser of 30 miles or 30 minutes to primary care, mental health and general "
        "hospital services), Office of the Revisor of Statutes",
        "https://www.revisor.mn.gov/statutes/?id=62K.10",
        "current statute page; subd. 3 not read in full; whether chapter 62K reaches Medicaid plans was not "
        "verified; read 2026-12",
        "primary",
    ),
    "MN-KFF": Source(
        "Kaiser Family Foundation survey of state Medicaid managed care programs, table of access standards "
        "(Minnesota row: primary care 30 minutes and 30 miles, obstetric care as primary care, specialty care "
        "60 minutes or 60 miles, hospital transport time 30 minutes), copy on yumpu.com page 72",
        "https://www.yumpu.com/en/document/view/45744100/kaiser-family-foundation-survey-on-state-medicaid-managed-care-/72",
        "undated copy of a KFF survey (vintage not verified); read 2026-12",
        "secondary",
    ),
    "MI-MDHHS-FY25": Source(
        "Michigan Department of Health and Human Services, 'MDHHS' Updated Network Adequacy and Timely Access "
        "Standards for Medicaid Health Plans, Applicable to FY25 Comprehensive Health Care Program (CHCP) "
        "Contract' (4-page PDF; table 'Provider Network Adequacy Standards' by CMS county type), its text as "
        "extracted with pdftotext in the public repository TensorEspresso/medicaid-specialty-mapper (the MDHHS "
        "PDF itself was not read)",
        "https://github.com/TensorEspresso/medicaid-specialty-mapper/blob/3dcf6ff2d6ced866ebdf341fba111041f2bdcd39/data/states/mi/sources/mdhhs_standards.txt",
        "FY25 CHCP contract (Michigan fiscal year from 2024-10-01); the document says the standards are subject to "
        "change with the Medicaid Health Plan RFP; read 2026-12",
        "secondary",
    ),
    "AZ-ACOM-436": Source(
        "AHCCCS Contractor Operations Manual (ACOM) Policy 436 'Network Standards', section III.A (time and "
        "distance standards, 90% of membership, Maricopa/Pima and all other counties), its text as extracted "
        "with pdftotext in the public repository TensorEspresso/medicaid-specialty-mapper (the AHCCCS PDF itself "
        "was not read)",
        "https://github.com/TensorEspresso/medicaid-specialty-mapper/blob/3dcf6ff2d6ced866ebdf341fba111041f2bdcd39/data/states/az/sources/ahcccs_network_standards.txt",
        "effective dates through 10/01/25 (approved 05/06/25); read 2026-12",
        "secondary",
    ),
    "CFR-438.68": Source(
        "42 CFR 438.68 'Network adequacy standards', paragraphs (a)-(b) (2016 text and the current text "
        "'a quantitative network adequacy standard'), eCFR as mirrored in github.com/AlextheYounga/ecfr",
        "https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-C/part-438/subpart-B/section-438.68",
        "current text (casetext copy marked effective 2024-07-09); read 2026-12",
        "primary",
    ),
    "CFR-438.68-e": Source(
        "42 CFR 438.68(e) appointment wait time standards (2024 Medicaid access rule, CMS-2439-F), as "
        "summarised by a Myers and Stauffer client alert (shared/research/regulation.md section 4.1)",
        "https://www.ecfr.gov/current/title-42/chapter-IV/subchapter-C/part-438/subpart-B/section-438.68",
        "final rule 2024; the regulation text of (e) was not read; applicability date not verified",
        "secondary",
    ),
    "QHP-NA": Source(
        "CMS QHP certification site, 'Network Adequacy' page",
        "https://www.qhpcertification.cms.gov/s/Network%20Adequacy",
        "page for PY2025 onward; read 2026-12",
        "primary",
    ),
    "QHP-90": Source(
        "J2 Health, 'Summary of CCIIO's April 2023 QHP filing webinar' (issuers must meet the 90% "
        "reasonable access standard for the listed specialty types)",
        "https://j2health.com/summary-of-cciios-april-2023-qhp-filing-webinar/",
        "PY2024 webinar; the Letter to Issuers text was not read",
        "secondary",
    ),
    "QHP-AWT": Source(
        "CMS QHP certification site, 'Appointment Wait Time FAQs' (2025 Final Letter to Issuers, "
        "published 2024-04-10; standards set in the 2023 Letter, chapter 2, section 3.ii.b)",
        "https://www.qhpcertification.cms.gov/s/Appointment%20Wait%20Time%20FAQs",
        "from plan year 2025; read 2026-12",
        "primary",
    ),
    "QHP-ECP": Source(
        "CMS QHP certification site, 'Essential Community Providers' page (General ECP Standard)",
        "https://www.qhpcertification.cms.gov/s/Essential%20Community%20Providers",
        "page for PY2025 onward; read 2026-12",
        "primary",
    ),
    "QHP-ECP-FAQ": Source(
        "CMS QHP certification site, 'Essential Community Providers (ECP) and Network Adequacy (NA) FAQs' "
        "(key updates for PY2024: eight major ECP categories)",
        "https://www.qhpcertification.cms.gov/s/Essential%20Community%20Providers%20and%20Network%20Adequacy%20FAQs",
        "from plan year 2024; read 2026-12",
        "primary",
    ),
    "QHP-ECP-PROPOSAL": Source(
        "Behavioral Health Business, 'CMS to Mandate Marketplace Plans Cover Mental Health Facilities, SUD "
        "Treatment Centers' (the 2024 Payment Notice proposal: six existing ECP types plus two)",
        "https://bhbusiness.com/2022/12/12/cms-to-mandate-marketplace-plans-cover-mental-health-facilities-sud-treatment-centers/",
        "2022-12-12 (proposal; finalised for PY2024 per QHP-ECP-FAQ)",
        "secondary",
    ),
    "NBPP-2027": Source(
        "AAMC Washington Highlights, 'CMS Finalizes 2027 Notice of Benefit and Payment Parameters Final "
        "Rule' (the proposal to lower the ECP threshold from 35% to 20% was not finalised)",
        "https://www.aamc.org/advocacy-policy/washington-highlights/cms-finalizes-2027-notice-benefit-and-payment-parameters-final-rule",
        "final rule released 2026-05-15",
        "secondary",
    ),
    "GA-DCH-NA": Source(
        "Georgia Department of Community Health, 'Network Adequacy' page: 'Figure 1. Geographic Access Standards "
        "by Provider Type' of the Georgia Families Contract (Urban and Rural columns) and the 90 percent rule, as "
        "saved from dch.georgia.gov in the public repository TensorEspresso/medicaid-specialty-mapper (the page's "
        "own HTML)",
        "https://dch.georgia.gov/medicaid-managed-care/network-adequacy",
        "page published 2022-09-26, modified 2026-02-27 (as saved); read 2026-12",
        "primary",
    ),
    "QHP-MI-DIFS": Source(
        "Michigan Department of Insurance and Financial Services, 'Michigan Network Adequacy Guidance' (updated "
        "3.26), sections 4.2-4.4 and 6.1: the time and distance standards DIFS applies to QHP networks, which it "
        "states are CMS's Medicare Advantage standards with their 90 percent access requirement as set for QHPs "
        "by the 2023 Final Letter to Issuers in the Federally-facilitated Exchanges, its text as extracted in the "
        "public repository TensorEspresso/medicaid-specialty-mapper (the DIFS PDF itself, and the Letter, were "
        "not read)",
        "https://github.com/TensorEspresso/medicaid-specialty-mapper/blob/3dcf6ff2d6ced866ebdf341fba111041f2bdcd39/data/states/mi/sources/difs_guidance.txt",
        "DIFS guidance 'updated 3.26' with county designations for PY26 and PY27; the tables it attributes to the "
        "PY23 Final Letter to Issuers and, for dental, the current plan year's QHP Issuer Application Instructions; "
        "read 2026-12",
        "secondary",
    ),
    "CFR-156.235": Source(
        "45 CFR 156.235(a)(2) 'Essential community providers' (FFE: a minimum percentage of available ECPs "
        "overall and within certain categories, as specified by HHS; contract offers to all Indian health "
        "care providers)",
        "http://federal.elaws.us/cfr/156.235",
        "eCFR copy last updated 2024-11-08; read 2026-12",
        "primary",
    ),
}


# -- rule-set rows ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    line_code: str  # the CMS HSD specialty code a roster row carries (S03 = primary care 001-006)
    line_name: str
    kind: str  # provider | facility
    county_type: str  # one of DESIGNATIONS, or "All"
    minutes: float  # math.inf: the source sets a distance only (written "none")
    miles: float
    required_pct: float
    source: str  # key of SOURCES
    section: str
    combine: str = "and"  # "or": the source says X miles OR Y minutes (the engine tests both; see docs)
    counties: tuple[tuple[str, str], ...] = ()  # ((FIPS, name), ...): the row applies to these counties only
    note: str = ""
    providers_within: int = (
        1  # distinct providers each member needs within the standard (GA: "Two (2) within")
    )


# A line with no CMS HSD code (pediatricians, general dentists, emergency medicine, urgent care, pharmacy):
# Blueprint's own code of letters, credited from NUCC taxonomies in Medicaid and QHP projects only.
OTHER_LINE_NOTE = (
    "no CMS HSD code: scored under Blueprint's own line code, credited from NUCC taxonomies "
    "(resources/rules/other_lines.csv)"
)


@dataclass(frozen=True)
class RuleSetDef:
    key: str
    lob: str
    state: str | None
    name: str
    effective_from: int  # first plan year the set applies to
    plan_year: int  # the year the set was read for (the file name's year)
    vintage: str
    file_name: str
    rules: tuple[Rule, ...]
    notes: tuple[str, ...] = ()
    auto: bool = True  # False: used only when chosen for a project (the SADP set beside the medical one)


# California specialist tiers, W&I 14197(c)(1)(A)-(B) (county lists read in full) and (C) (list not read in
# full: only the counties two Medi-Cal plans name are used).
CA_TIER_A = (
    ("06001", "Alameda"), ("06013", "Contra Costa"), ("06037", "Los Angeles"), ("06059", "Orange"),
    ("06067", "Sacramento"), ("06073", "San Diego"), ("06075", "San Francisco"), ("06081", "San Mateo"),
    ("06085", "Santa Clara"),
)  # fmt: skip
CA_TIER_B = (
    ("06041", "Marin"), ("06061", "Placer"), ("06065", "Riverside"), ("06077", "San Joaquin"),
    ("06087", "Santa Cruz"), ("06095", "Solano"), ("06097", "Sonoma"), ("06099", "Stanislaus"),
    ("06111", "Ventura"),
)  # fmt: skip
CA_TIER_C_CCAH = (("06047", "Merced"), ("06053", "Monterey"))
CA_TIER_C_HEALTHNET = (("06029", "Kern"), ("06107", "Tulare"))
# Health Net's outpatient mental health rows name only its own counties.
CA_MH_A = (("06037", "Los Angeles"), ("06067", "Sacramento"), ("06073", "San Diego"))
CA_MH_B = (("06077", "San Joaquin"), ("06099", "Stanislaus"))

# DHCS adult and pediatric core specialists as Health Net lists them, with the HSD code a roster carries.
# Hematology has no HSD code (medicaid_unscored_2026.csv); OB/GYN specialty care uses 016, which carries
# the stricter statewide OB/GYN primary care standard instead.
CA_CORE_SPECIALISTS = (
    ("008", "Cardiology/Interventional Cardiology"), ("011", "Dermatology"), ("012", "Endocrinology"),
    ("013", "ENT/Otolaryngology"), ("014", "Gastroenterology"), ("015", "General Surgery"),
    ("017", "HIV/AIDS Specialists/Infectious Diseases"), ("018", "Nephrology"), ("019", "Neurology"),
    ("021", "Oncology"), ("023", "Ophthalmology"), ("025", "Orthopedic Surgery"),
    ("026", "Physical Medicine and Rehabilitation"), ("029", "Psychiatry"), ("030", "Pulmonology"),
)  # fmt: skip

CA_PCT_NOTE = (
    "W&I 14197 as read sets no share of beneficiaries: each residence must be within the standard unless "
    "DHCS approves an alternative access standard; 100% is our reading"
)
CA_OR_NOTE = "the statute says miles OR minutes; the engine tests both (conservative)"
CA_B_NOTE = "same values: Disability Rights California publication 5610.01 (CA-DRC)"


def _ca_rules() -> tuple[Rule, ...]:
    rules = [
        Rule("S03", "Primary care, adult and pediatric", "provider", "All", 30, 10, 100, "CA-WIC-14197",
             "14197(b)(1)", "or", note=f"{CA_OR_NOTE}; {CA_PCT_NOTE}; {CA_B_NOTE}"),
        Rule("016", "Obstetrics and gynecology primary care", "provider", "All", 30, 10, 100, "CA-WIC-14197",
             "14197(b)(4)", "or", note=f"{CA_OR_NOTE}; {CA_PCT_NOTE}; {CA_B_NOTE}"),
        Rule("040", "Hospitals", "facility", "All", 30, 15, 100, "CA-WIC-14197", "14197(b)(2)", "or",
             note=f"{CA_OR_NOTE}; {CA_PCT_NOTE}; {CA_B_NOTE}"),
        Rule("PHA", "Pharmacy (retail)", "facility", "All", 30, 10, 100, "CA-HEALTHNET", "plan page, Pharmacy",
             "or", note=f"{CA_OR_NOTE}; {CA_PCT_NOTE}; {OTHER_LINE_NOTE}"),
    ]  # fmt: skip
    for code, name in CA_CORE_SPECIALISTS:
        line = f"{name} (specialist, adult and pediatric)"
        rules += [
            Rule(code, line, "provider", "All", 30, 15, 100, "CA-WIC-14197", "14197(c)(1)(A)", "or",
                 CA_TIER_A, note=f"specialists per DHCS core list (CA-HEALTHNET); {CA_OR_NOTE}"),
            Rule(code, line, "provider", "All", 60, 30, 100, "CA-WIC-14197", "14197(c)(1)(B)", "or",
                 CA_TIER_B, note=f"specialists per DHCS core list (CA-HEALTHNET); {CA_OR_NOTE}"),
            Rule(code, line, "provider", "All", 75, 45, 100, "CA-CCAH", "specialty care, Merced and Monterey",
                 "or", CA_TIER_C_CCAH, note="14197(c)(1)(C) tier; the statute's full county list was not read"),
            Rule(code, line, "provider", "All", 75, 45, 100, "CA-HEALTHNET", "specialty care, Kern and Tulare",
                 "or", CA_TIER_C_HEALTHNET, note="14197(c)(1)(C) tier; the statute's full county list was not read"),
        ]  # fmt: skip
    for code, name in (("036", "Clinical Psychology"), ("037", "Clinical Social Work")):
        line = f"Outpatient mental health, adult and pediatric ({name})"
        rules += [
            Rule(code, line, "provider", "All", 30, 15, 100, "CA-HEALTHNET",
                 "specialty care and mental health outpatient service", "or", CA_MH_A,
                 note="only the counties Health Net names; 036/037 stand for non-physician outpatient mental health"),
            Rule(code, line, "provider", "All", 60, 30, 100, "CA-HEALTHNET",
                 "specialty care and mental health outpatient service", "or", CA_MH_B,
                 note="only the counties Health Net names; 036/037 stand for non-physician outpatient mental health"),
            Rule(code, line, "provider", "All", 75, 45, 100, "CA-HEALTHNET",
                 "specialty care and mental health outpatient service", "or", CA_TIER_C_HEALTHNET,
                 note="only the counties Health Net names; 036/037 stand for non-physician outpatient mental health"),
        ]  # fmt: skip
    return tuple(rules)


# Pennsylvania, 28 Pa. Code 9.679(d): 90% of enrollees in each county within 20 miles or 30 minutes in a
# county designated an MSA, 45 miles or 60 minutes in any other county; (e) lists the services. CMS county
# types stand in for MSA membership (our mapping: Large Metro and Metro = MSA; docs/rules.md).
PA_SERVICES = (
    ("040", "General acute inpatient hospital services", "facility", "9.679(e)(1)"),
    ("S03", "Primary care", "provider", "9.679(e)(3)"),
    ("015", "General surgery", "provider", "9.679(e)(4)"),
    ("025", "Orthopedic surgery", "provider", "9.679(e)(5)"),
    ("016", "Obstetrical and gynecological services", "provider", "9.679(e)(6)"),
    ("023", "Ophthalmology", "provider", "9.679(e)(7)"),
    ("007", "Allergy and immunology", "provider", "9.679(e)(8)"),
    ("013", "Otolaryngology", "provider", "9.679(e)(10)"),
    ("026", "Physical medicine and rehabilitation", "provider", "9.679(e)(11)"),
    ("029", "Psychiatry (psychiatry and neurology)", "provider", "9.679(e)(12)"),
    ("019", "Neurology (psychiatry and neurology)", "provider", "9.679(e)(12)"),
    ("020", "Neurological surgery", "provider", "9.679(e)(13)"),
    ("033", "Urology", "provider", "9.679(e)(14)"),
    (
        "ANE",
        "Anesthesiology",
        "provider",
        "9.679(e)(9)",
    ),  # no HSD code: Blueprint's own line (other_lines.csv)
)
PA_NOTE = (
    "the regulation says miles OR minutes from residence or work; the engine tests both from residence; "
    "MSA county approximated by the CMS county type"
)


def _pa_rules() -> tuple[Rule, ...]:
    rules = []
    for code, name, kind, section in PA_SERVICES:
        for designation in DESIGNATIONS:
            msa = designation in ("Large Metro", "Metro")
            rules.append(
                Rule(code, name, kind, designation, 30 if msa else 60, 20 if msa else 45, 90, "PA-9.679",
                     f"9.679(d) ({'MSA county' if msa else 'other county'}); {section}", "or",
                     note=f"{PA_NOTE}; {OTHER_LINE_NOTE}" if code.isalpha() else PA_NOTE)
            )  # fmt: skip
    return tuple(rules)


# Minnesota, Minn. Stat. 62D.124 (health maintenance organizations; Minnesota's Medicaid managed care plans
# are HMOs or county-based purchasing plans, which we did not verify in a stored text): subd. 1, the lesser of 30
# miles or 30 minutes to primary care, mental health and general hospital services; subd. 2, the lesser of 60
# miles or 60 minutes to specialty physician services and all other services. Statewide (no county types).
MN_SPECIALISTS = (
    ("007", "Allergy and Immunology"), ("008", "Cardiology"), ("011", "Dermatology"), ("012", "Endocrinology"),
    ("013", "ENT/Otolaryngology"), ("014", "Gastroenterology"), ("015", "General Surgery"),
    ("016", "Gynecology, OB/GYN"), ("017", "Infectious Diseases"), ("018", "Nephrology"), ("019", "Neurology"),
    ("020", "Neurosurgery"), ("021", "Oncology - Medical, Surgical"), ("022", "Oncology - Radiation"),
    ("023", "Ophthalmology"), ("025", "Orthopedic Surgery"), ("026", "Physiatry, Rehabilitative Medicine"),
    ("027", "Plastic Surgery"), ("030", "Pulmonology"), ("031", "Rheumatology"), ("033", "Urology"),
    ("034", "Vascular Surgery"), ("035", "Cardiothoracic Surgery"),
)  # fmt: skip
MN_OR_NOTE = (
    "the statute says the lesser of X miles or Y minutes, the plan designating the method; the engine tests "
    "both (conservative)"
)
MN_PCT_NOTE = (
    "62D.124 sets no share of enrollees: each residence must be within the standard; 100% is our reading"
)
MN_SUBD1_NOTE = (
    "62D.124 subd. 1 as proposed in 1999 (MN-62D.124-1999); the same wording is in 62K.10 subd. 2 (MN-62K.10) "
    "and the KFF Medicaid row gives primary care 30 minutes and 30 miles (MN-KFF)"
)


def _mn_rules() -> tuple[Rule, ...]:
    rules = [
        Rule("S03", "Primary care services", "provider", "All", 30, 30, 100, "MN-62D.124-1999",
             "62D.124 subd. 1 (primary care services)", "or",
             note=f"{MN_OR_NOTE}; {MN_PCT_NOTE}; {MN_SUBD1_NOTE}"),
        Rule("040", "General hospital services", "facility", "All", 30, 30, 100, "MN-62D.124-1999",
             "62D.124 subd. 1 (general hospital services)", "or",
             note=f"{MN_OR_NOTE}; {MN_PCT_NOTE}; {MN_SUBD1_NOTE}"),
    ]  # fmt: skip
    for code, name in (
        ("029", "Psychiatry"),
        ("036", "Clinical Psychology"),
        ("037", "Clinical Social Work"),
    ):
        rules.append(
            Rule(code, f"Mental health services ({name})", "provider", "All", 30, 30, 100, "MN-62D.124-1999",
                 "62D.124 subd. 1 (mental health services)", "or",
                 note=f"{MN_OR_NOTE}; {MN_PCT_NOTE}; 029/036/037 stand for mental health services; {MN_SUBD1_NOTE}")
        )  # fmt: skip
    for code, name in MN_SPECIALISTS:
        note = f"{MN_OR_NOTE}; {MN_PCT_NOTE}; the KFF Medicaid row gives specialty care 60 minutes or 60 miles (MN-KFF)"
        if code == "016":
            note += (
                "; the KFF Medicaid row applies the primary care standard to obstetric care (secondary, undated): "
                "not built in, 016 carries the statute's specialty standard"
            )
        rules.append(
            Rule(code, f"{name} (specialty physician services)", "provider", "All", 60, 60, 100, "MN-62D.124-2002",
                 "62D.124 subd. 2 (specialty physician services), Minnesota Statutes 2002", "or", note=note)
        )  # fmt: skip
    return tuple(rules)


# Michigan, MDHHS standards for Medicaid Health Plans (FY25 CHCP): maximum time (minutes) and distance (miles)
# by the five CMS county types, in the table's column order Large Metro, Metro, Micro, Rural, CEAC (the column
# footnotes i-v define them as CMS's designations, so no mapping is needed).
MI_TABLE = (
    # code, line name, kind, ((minutes, miles) x Large Metro, Metro, Micro, Rural, CEAC), the table's row
    ("S03", "Primary care, adult and pediatric", "provider",
     ((10, 5), (15, 10), (30, 20), (40, 30), (70, 60)), "Primary Care - Adult*; Primary Care - Pediatric*"),
    ("016", "Gynecology, OB/GYN", "provider",
     ((10, 5), (15, 10), (30, 20), (40, 30), (70, 60)), "Gynecology, OB/GYN*"),
    ("040", "Hospital", "facility",
     ((20, 10), (30, 30), (30, 30), (60, 60), (110, 100)), "Hospital*"),
    ("008", "Cardiology", "provider",
     ((20, 10), (30, 30), (30, 30), (60, 60), (95, 85)), "Cardiology"),
    ("019", "Neurology", "provider",
     ((20, 10), (30, 30), (30, 30), (60, 60), (110, 100)), "Neurology"),
    ("021", "Oncology - Medical, Surgical", "provider",
     ((20, 10), (30, 30), (30, 30), (60, 60), (110, 100)), "Oncology - Medical, Surgical"),
    ("022", "Oncology - Radiation", "provider",
     ((30, 15), (60, 40), (100, 75), (110, 90), (145, 130)), "Oncology - Radiation"),
    ("025", "Orthopedics/Orthopedic Surgery", "provider",
     ((20, 10), (30, 30), (30, 30), (60, 60), (95, 85)), "Orthopedics/Orthopedic Surgery"),
    ("049", "Physical Therapy", "facility",
     ((20, 10), (45, 30), (80, 60), (75, 60), (110, 100)), "Physical Therapy"),
    ("050", "Occupational Therapy", "facility",
     ((20, 10), (45, 30), (80, 60), (75, 60), (110, 100)), "Occupational Therapy"),
    ("051", "Speech Therapy", "facility",
     ((20, 10), (45, 30), (80, 60), (75, 60), (110, 100)), "Speech Therapy"),
    ("036", "Outpatient clinical behavioral health, adult and pediatric (Clinical Psychology)", "provider",
     ((10, 5), (15, 10), (30, 20), (40, 30), (70, 60)), "Outpatient Clinical Behavioral Health - Adult***; - Pediatric***"),
    ("037", "Outpatient clinical behavioral health, adult and pediatric (Clinical Social Work)", "provider",
     ((10, 5), (15, 10), (30, 20), (40, 30), (70, 60)), "Outpatient Clinical Behavioral Health - Adult***; - Pediatric***"),
    ("029", "Psychiatry, adult and pediatric", "provider",
     ((20, 10), (45, 30), (60, 45), (75, 60), (110, 100)), "Psychiatry - Adult***; Psychiatry - Pediatric***"),
    ("DEN", "Dentistry: General Dentist", "provider",
     ((30, 15), (30, 30), (30, 30), (40, 40), (120, 120)), "Dentistry: General Dentist"),
    ("PHA", "Pharmacy (retail)", "facility",
     ((10, 5), (15, 10), (30, 20), (40, 30), (40, 30)), "Pharmacy"),
    # "Dentistry: Endodontics", "Oral Surgery", "Periodontics", "Prosthodontics": four rows, the same values.
    *((code, f"Dentistry: {name}", "provider", ((30, 15), (60, 60), (60, 60), (120, 120), (120, 120)),
       f"Dentistry: {name}")
      for code, name in (("END", "Endodontics"), ("OMS", "Oral Surgery"), ("PER", "Periodontics"),
                         ("PRS", "Prosthodontics"))),
)  # fmt: skip
MI_NOTE = (
    "the table gives a maximum time and a maximum distance and does not say how they combine; the engine tests "
    "both, as for MA; the text read sets no share of enrollees: 100% is our reading"
)
# "*Must have minimum of 2 providers within the time/distance standards in the Large Metro and Metro counties."
# Read per enrollee (two distinct providers within the standard of each enrollee), as Georgia's "Two (2) within"
# and GeoAccess standards are written: the stricter reading (two within reach of every enrollee implies two
# within reach of the county), so a pass is safe whichever MDHHS meant.
MI_TWO_NOTE = (
    "*Must have minimum of 2 providers within the time/distance standards in the Large Metro and Metro counties: "
    "scored per enrollee, on the second-nearest distinct provider (our reading, the stricter one)"
)


def _mi_rules() -> tuple[Rule, ...]:
    rules = []
    for code, name, kind, cells, row in MI_TABLE:
        note = MI_NOTE
        if code in ("S03", "016", "040"):
            note += f"; {MI_TWO_NOTE}"
        if code in ("036", "037"):
            note += "; 036/037 stand for outpatient clinical behavioral health (licensed, accredited or certified professionals)"
        if code.isalpha():
            note += f"; {OTHER_LINE_NOTE}"
        for designation, (minutes, miles) in zip(DESIGNATIONS, cells, strict=True):
            two = code in ("S03", "016", "040") and designation in ("Large Metro", "Metro")
            rules.append(
                Rule(code, name, kind, designation, minutes, miles, 100, "MI-MDHHS-FY25",
                     f"Provider Network Adequacy Standards, {row}, {designation}", note=note,
                     providers_within=2 if two else 1)
            )  # fmt: skip
    return tuple(rules)


# Arizona, AHCCCS ACOM 436 III.A: "90% of membership does not need to travel more than" X minutes or Y miles,
# one standard for Maricopa and Pima counties and one for all other counties. The stored text is a pdftotext
# extraction: the rows of the table's page 4 (nursing facility, OB/GYN, pharmacy, adult and pediatric PCP) read
# in order; of page 3 only the adult cardiologist row is used (its position in the one contiguous block of
# values; the other rows of that page could not be attributed with certainty, docs/rules.md).
AZ_MARICOPA_PIMA = (("04013", "Maricopa"), ("04019", "Pima"))
AZ_TABLE = (
    # code, line name, (Maricopa/Pima minutes, miles), (all other counties minutes, miles), the table's row
    ("S03", "Primary care provider (PCP), adult and pediatric", (15, 10), (40, 30),
     "Primary Care Provider (PCP), Adult*; Pediatrics*"),
    ("016", "Obstetrician/Gynecologist (OB/GYN), members 15 to 45 years old", (45, 30), (90, 75),
     "Obstetrician/Gynecologist (OB/GYN)"),
    ("008", "Cardiologist, adult (21 years or older)", (30, 20), (75, 60), "Cardiologist, Adult*"),
    ("PHA", "Pharmacy (retail)", (12, 8), (40, 30), "Pharmacy"),
)  # fmt: skip
AZ_NOTE = (
    "the policy says X minutes or Y miles; the engine tests both (conservative); 90% of membership (80% where "
    "telehealth is available for the starred provider types, not modelled)"
)


def _az_rules() -> tuple[Rule, ...]:
    rules = []
    for code, name, metro, other, row in AZ_TABLE:
        kind = "facility" if code == "PHA" else "provider"
        note = f"{AZ_NOTE}; {OTHER_LINE_NOTE}" if code.isalpha() else AZ_NOTE
        rules += [
            Rule(code, name, kind, "All", other[0], other[1], 90, "AZ-ACOM-436",
                 f"436 III.A, {row}, All Others", "or", note=f"{note}; counties other than Maricopa and Pima"),
            Rule(code, name, kind, "All", metro[0], metro[1], 90, "AZ-ACOM-436",
                 f"436 III.A, {row}, Maricopa, Pima", "or", AZ_MARICOPA_PIMA, note=note),
        ]  # fmt: skip
    return tuple(rules)


# Georgia, Georgia Families Contract Figure 1 (DCH "Network Adequacy" page): one standard for urban and one for
# rural counties, "at least 90% of the members in each county". Obstetric providers need TWO within the
# standard ("Two (2) within thirty (30) minutes or thirty (30) miles"): scored on each member's second-nearest
# distinct provider (engine/second_provider.py). PCPs and pediatricians need two within a distance and no time
# ("Two (2) within eight (8) miles"): max_minutes "none". Pediatricians and general dental providers have no HSD
# code: scored under Blueprint's PPC and DEN (resources/rules/other_lines.csv), dental subspecialists under DSS
# (any dental specialty), vision providers under VIS (optometrists; ophthalmologists count too). 24-hour
# pharmacies (no input says a pharmacy's hours) stay transcribed, not scored.
GA_SPECIALISTS = tuple((c, n) for c, n in MN_SPECIALISTS if c != "016")  # OB is its own (two-provider) row
GA_NOTE = (
    "the contract says X minutes or Y miles; the engine tests both (conservative); the page classes each county "
    "urban or rural on a map that was not read: CMS Large Metro and Metro counties are taken as urban, Micro, Rural "
    "and CEAC as rural (our reading)"
)

GA_PCP_NOTE = (
    "the contract sets a distance only, no time limit; *PCPs not including practitioners listed below in Table "
    "(pediatricians, obstetric providers); the page classes each county urban or rural on a map that was not "
    "read: CMS Large Metro and Metro counties are taken as urban, Micro, Rural and CEAC as rural (our reading)"
)


GA_PEDIATRICIAN_NOTE = (
    "the contract sets a distance only, no time limit; pediatricians only (pediatric nurse practitioners and family "
    "physicians are not counted); the page classes each county urban or rural on a map that was not read: CMS Large "
    "Metro and Metro counties are taken as urban, Micro, Rural and CEAC as rural (our reading)"
)


def _ga_rules() -> tuple[Rule, ...]:
    rows = [(c, f"{n} (specialists)", "provider", "Specialists") for c, n in GA_SPECIALISTS]
    rows += [("040", "Hospitals", "facility", "Hospitals")]
    rows += [
        (c, f"Mental health providers ({n})", "provider", "Mental Health Providers")
        for c, n in (
            ("029", "Psychiatry"),
            ("036", "Clinical Psychology"),
            ("037", "Clinical Social Work"),
            ("068", "Outpatient Behavioral Health"),
        )
    ]
    rows += [
        (
            c,
            f"Therapy ({n})",
            "facility",
            "Therapy: Physical Therapists, Occupational Therapists and Speech Therapists",
        )
        for c, n in (("049", "Physical Therapy"), ("050", "Occupational Therapy"), ("051", "Speech Therapy"))
    ]
    rows += [("016", "Obstetric providers (Obstetrics & Gynecology): two within the standard", "provider",
              "Obstetric Providers")]  # fmt: skip
    rows += [("S03", "PCPs (primary care, not pediatricians or obstetrics): two within the distance", "provider",
              "PCPs*")]  # fmt: skip
    rows += [("PPC", "Pediatricians: two within the distance", "provider", "Pediatricians")]
    rows += [("DEN", "General dental providers (general dentists)", "provider", "General Dental Providers")]
    rows += [("DSS", "Dental subspecialty providers", "provider", "Dental Subspecialty Providers")]
    rows += [("VIS", "Vision providers (optometrists and ophthalmologists)", "provider", "Vision Providers")]
    rules = []
    for code, name, kind, row in rows:
        two = code in ("016", "S03", "PPC")
        for designation in DESIGNATIONS:
            urban = designation in ("Large Metro", "Metro")
            minutes = miles = 30 if urban else 45
            note = GA_NOTE
            combine = "or"
            if code in ("S03", "PPC"):
                # "Two (2) within eight (8) miles" urban, "fifteen (15)" rural: a distance and no time.
                minutes, miles, combine = math.inf, 8 if urban else 15, "and"
                note = GA_PCP_NOTE if code == "S03" else GA_PEDIATRICIAN_NOTE
            if code.isalpha():
                note += f"; {OTHER_LINE_NOTE}"
            if two:
                note += "; Two (2) providers within the standard: measured to each member's second-nearest distinct provider (NPI)"
            rules.append(
                Rule(code, name, kind, designation, minutes, miles, 90, "GA-DCH-NA",
                     f"Figure 1, {row}, {'Urban' if urban else 'Rural'}", combine, note=note,
                     providers_within=2 if two else 1)
            )  # fmt: skip
    return tuple(rules)


# QHP on the Federally-facilitated Exchanges: the Letter to Issuers' maximum time (minutes) and distance (miles)
# by the five CMS county types, as reproduced by Michigan DIFS (tables 4.3 individual and 4.4 facility specialty
# types; column order Large Metro, Metro, Micro, Rural, CEAC, "Time standard is measured in minutes. Distance
# standard is measured in miles."). Each row is scored under the CMS HSD code a roster carries (the QHP
# template's own specialty codes differ: its 037 is Emergency Medicine, MA's is Clinical Social Work), with the
# kind that code has in the MA table. The rows without an HSD code (dental, emergency medicine, urgent care,
# pediatric primary care) are scored under Blueprint's own line codes (resources/rules/other_lines.csv: DEN, EMD,
# URG, PPC), which a QHP project's roster and market credit from NUCC taxonomies.
QHP_TABLE = (
    # codes, line name, kind, ((minutes, miles) x Large Metro, Metro, Micro, Rural, CEAC), the DIFS table and row
    (("007",), "Allergy and Immunology", "provider", ((30, 15), (45, 30), (80, 60), (90, 75), (125, 110)),
     "4.3, Allergy and Immunology"),
    (("008",), "Cardiology", "provider", ((20, 10), (30, 20), (50, 35), (75, 60), (95, 85)), "4.3, Cardiology"),
    (("035",), "Cardiothoracic Surgery", "provider", ((30, 15), (60, 40), (100, 75), (110, 90), (145, 130)),
     "4.3, Cardiothoracic Surgery"),
    (("010",), "Chiropractor", "provider", ((30, 15), (45, 30), (80, 60), (90, 75), (125, 110)),
     "4.3, Chiropractor"),
    (("011",), "Dermatology", "provider", ((20, 10), (45, 30), (60, 45), (75, 60), (110, 100)),
     "4.3, Dermatology"),
    (("012",), "Endocrinology", "provider", ((30, 15), (60, 40), (100, 75), (110, 90), (145, 130)),
     "4.3, Endocrinology"),
    (("013",), "ENT/Otolaryngology", "provider", ((30, 15), (45, 30), (80, 60), (90, 75), (125, 110)),
     "4.3, ENT/Otolaryngology"),
    (("014",), "Gastroenterology", "provider", ((20, 10), (45, 30), (60, 45), (75, 60), (110, 100)),
     "4.3, Gastroenterology"),
    (("015",), "General Surgery", "provider", ((20, 10), (30, 20), (50, 35), (75, 60), (95, 85)),
     "4.3, General Surgery"),
    (("016",), "Gynecology, OB/GYN", "provider", ((10, 5), (15, 10), (30, 20), (40, 30), (70, 60)),
     "4.3, Gynecology, OB/GYN"),
    (("017",), "Infectious Diseases", "provider", ((30, 15), (60, 40), (100, 75), (110, 90), (145, 130)),
     "4.3, Infectious Diseases"),
    (("018",), "Nephrology", "provider", ((30, 15), (45, 30), (80, 60), (90, 75), (125, 110)), "4.3, Nephrology"),
    (("019",), "Neurology", "provider", ((20, 10), (45, 30), (60, 45), (75, 60), (110, 100)), "4.3, Neurology"),
    (("020",), "Neurosurgery", "provider", ((30, 15), (60, 40), (100, 75), (110, 90), (145, 130)),
     "4.3, Neurosurgery"),
    (("050",), "Occupational Therapy", "facility", ((20, 10), (45, 30), (80, 60), (75, 60), (110, 100)),
     "4.3, Occupational Therapy"),
    (("021",), "Oncology - Medical, Surgical", "provider", ((20, 10), (45, 30), (60, 45), (75, 60), (110, 100)),
     "4.3, Oncology-Medical, Surgical"),
    (("022",), "Oncology - Radiation", "provider", ((30, 15), (60, 40), (100, 75), (110, 90), (145, 130)),
     "4.3, Oncology-Radiation"),
    (("023",), "Ophthalmology", "provider", ((20, 10), (30, 20), (50, 35), (75, 60), (95, 85)),
     "4.3, Ophthalmology"),
    (("025",), "Orthopedic Surgery", "provider", ((20, 10), (30, 20), (50, 35), (75, 60), (95, 85)),
     "4.3, Orthopedic Surgery"),
    (("036", "037", "068"), "Outpatient Clinical Behavioral Health (licensed, accredited, or certified "
     "professionals)", "provider", ((10, 5), (15, 10), (30, 20), (40, 30), (70, 60)),
     "4.3, Outpatient Clinical Behavioral Health (licensed, accredited, or certified professionals)"),
    (("026",), "Physical Medicine and Rehabilitation", "provider",
     ((30, 15), (45, 30), (80, 60), (90, 75), (125, 110)), "4.3, Physical Medicine and Rehabilitation"),
    (("049",), "Physical Therapy", "facility", ((20, 10), (45, 30), (80, 60), (75, 60), (110, 100)),
     "4.3, Physical Therapy"),
    (("027",), "Plastic Surgery", "provider", ((30, 15), (60, 40), (100, 75), (110, 90), (145, 130)),
     "4.3, Plastic Surgery"),
    (("028",), "Podiatry", "provider", ((20, 10), (45, 30), (60, 45), (75, 60), (110, 100)), "4.3, Podiatry"),
    (("S03",), "Primary Care - Adult", "provider", ((10, 5), (15, 10), (30, 20), (40, 30), (70, 60)),
     "4.3, Primary Care-Adult"),
    (("029",), "Psychiatry", "provider", ((20, 10), (45, 30), (60, 45), (75, 60), (110, 100)), "4.3, Psychiatry"),
    (("030",), "Pulmonology", "provider", ((20, 10), (45, 30), (60, 45), (75, 60), (110, 100)),
     "4.3, Pulmonology"),
    (("031",), "Rheumatology", "provider", ((30, 15), (60, 40), (100, 75), (110, 90), (145, 130)),
     "4.3, Rheumatology"),
    (("051",), "Speech Therapy", "facility", ((20, 10), (45, 30), (80, 60), (75, 60), (110, 100)),
     "4.3, Speech Therapy"),
    (("033",), "Urology", "provider", ((20, 10), (45, 30), (60, 45), (75, 60), (110, 100)), "4.3, Urology"),
    (("034",), "Vascular Surgery", "provider", ((30, 15), (60, 40), (100, 75), (110, 90), (145, 130)),
     "4.3, Vascular Surgery"),
    (("040",), "Acute Inpatient Hospitals (must have Emergency services available 24/7)", "facility",
     ((20, 10), (45, 30), (80, 60), (75, 60), (110, 100)), "4.4, Acute Inpatient Hospitals"),
    (("042",), "Cardiac Catheterization Services", "facility", ((30, 15), (60, 40), (160, 120), (145, 120),
     (155, 140)), "4.4, Cardiac Catheterization Services"),
    (("041",), "Cardiac Surgery Program", "facility", ((30, 15), (60, 40), (160, 120), (145, 120), (155, 140)),
     "4.4, Cardiac Surgery Program"),
    (("043",), "Critical Care Services - Intensive Care Units (ICU)", "facility",
     ((20, 10), (45, 30), (160, 120), (145, 120), (155, 140)), "4.4, Critical Care Services-Intensive Care Units"),
    (("047",), "Diagnostic Radiology", "facility", ((20, 10), (45, 30), (80, 60), (75, 60), (110, 100)),
     "4.4, Diagnostic Radiology"),
    (("052",), "Inpatient or Residential Behavioral Health Facility Services", "facility",
     ((30, 15), (70, 45), (100, 75), (90, 75), (155, 140)),
     "4.4, Inpatient or Residential Behavioral Health Facility Services"),
    (("048",), "Mammography", "facility", ((20, 10), (45, 30), (80, 60), (75, 60), (110, 100)), "4.4, Mammography"),
    (("057",), "Outpatient Infusion/Chemotherapy", "facility", ((20, 10), (45, 30), (80, 60), (75, 60),
     (110, 100)), "4.4, Outpatient Infusion/Chemotherapy"),
    (("046",), "Skilled Nursing Facilities", "facility", ((20, 10), (45, 30), (80, 60), (75, 60), (95, 85)),
     "4.4, Skilled Nursing Facilities"),
    (("045",), "Surgical Services (outpatient or ASC)", "facility",
     ((20, 10), (45, 30), (80, 60), (75, 60), (110, 100)), "4.4, Surgical Services (outpatient or ASC)"),
    (("DEN",), "Dental (general dentists)", "provider", ((30, 15), (45, 30), (80, 60), (90, 75), (125, 110)),
     "4.3, Dental"),
    (("EMD",), "Emergency Medicine", "provider", ((20, 10), (45, 30), (80, 60), (75, 60), (110, 100)),
     "4.3, Emergency Medicine"),
    (("PPC",), "Primary Care - Pediatric (pediatricians)", "provider",
     ((10, 5), (15, 10), (30, 20), (40, 30), (70, 60)), "4.3, Primary Care-Pediatric"),
    (("URG",), "Urgent Care", "facility", ((20, 10), (45, 30), (80, 60), (75, 60), (110, 100)), "4.4, Urgent Care"),
)  # fmt: skip
# Stand-alone dental plans: DIFS 6.1 "Time & Distance Standards for SADP Networks" (Dental, the same values as
# 4.3), sourced there to the current plan year's QHP Issuer Application Instructions.
QHP_SADP_TABLE = (
    (("DEN",), "Dental (general dentists)", "provider", ((30, 15), (45, 30), (80, 60), (90, 75), (125, 110)),
     "6.1, Dental"),
)  # fmt: skip
QHP_NOTE = (
    "90% of enrollees within both the maximum time and the maximum distance (DIFS: CMS's MA time and distance "
    "standards and underlying 90 percent access requirement)"
)
QHP_BH_NOTE = (
    "036/037/068 stand for outpatient clinical behavioral health (licensed, accredited or certified "
    "professionals: the MA codes for clinical psychology, clinical social work and outpatient behavioral health)"
)


# The MA names of the codes one QHP type is scored under, so that the three lines read apart.
QHP_CODE_NAMES = {
    "036": "Clinical Psychology",
    "037": "Clinical Social Work",
    "068": "Outpatient Behavioral Health",
}


def _qhp_rules(table: tuple = QHP_TABLE) -> tuple[Rule, ...]:
    rules = []
    for codes, type_name, kind, cells, row in table:
        note = QHP_NOTE + (f"; {QHP_BH_NOTE}" if len(codes) > 1 else "")
        if codes[0].isalpha():
            note += f"; {OTHER_LINE_NOTE}"
        for code in codes:
            name = f"{type_name}: {QHP_CODE_NAMES[code]}" if len(codes) > 1 else type_name
            for designation, (minutes, miles) in zip(DESIGNATIONS, cells, strict=True):
                rules.append(
                    Rule(code, name, kind, designation, minutes, miles, 90, "QHP-MI-DIFS",
                         f"table {row}, {designation}", note=note)
                )  # fmt: skip
    return tuple(rules)


RULE_SETS: tuple[RuleSetDef, ...] = (
    RuleSetDef(
        key="medicaid-CA-2026",
        lob="medicaid",
        state="CA",
        name="Medi-Cal managed care time or distance standards (W&I Code 14197)",
        effective_from=2018,
        plan_year=2026,
        vintage="W&I 14197 (standards from 2018); specialist tiers A-B from the statute, tier C for 4 counties "
        "from plan pages; read 2026-12",
        file_name="medicaid_CA_2026.csv",
        rules=_ca_rules(),
        notes=(
            "Specialist and outpatient mental health standards apply only in the counties listed; elsewhere in "
            "California those lines have no built-in standard (14197(c)(1)(C)-(D) county lists not read).",
            "14197 carried a sunset date (until 2026-01-01 as read; SB 530 (2025) would extend it to "
            "2029-01-01, enactment not verified).",
        ),
    ),
    RuleSetDef(
        key="medicaid-PA-2026",
        lob="medicaid",
        state="PA",
        name="Pennsylvania managed care plan access standards (28 Pa. Code 9.679)",
        effective_from=2001,
        plan_year=2026,
        vintage="28 Pa. Code 9.679 as adopted 2001-06-08 (31 Pa.B. 3043); read 2026-12",
        file_name="medicaid_PA_2026.csv",
        rules=_pa_rules(),
        notes=(
            "A Department of Health rule for every licensed managed care plan; the HealthChoices agreement's "
            "own standards (Exhibit AAA) were not read.",
            "MSA counties are approximated by CMS county type: Large Metro and Metro = MSA.",
        ),
    ),
    RuleSetDef(
        key="medicaid-MN-2026",
        lob="medicaid",
        state="MN",
        name="Minnesota health maintenance organization geographic accessibility (Minn. Stat. 62D.124)",
        effective_from=2002,
        plan_year=2026,
        vintage="62D.124 subd. 1 as proposed in 1999 (same wording in current 62K.10 subd. 2), subd. 2 as in "
        "Minnesota Statutes 2002; the current 62D.124 text was not read; read 2026-12",
        file_name="medicaid_MN_2026.csv",
        rules=_mn_rules(),
        notes=(
            "A licensing standard for every Minnesota HMO, not a Medicaid contract table: that it binds the "
            "Medicaid managed care plans is our reading (a KFF survey row, secondary and undated, gives the same "
            "numbers for Minnesota Medicaid); the state's Medicaid contract was not read.",
            "Statewide: the same standard in every county type. Physician specialties, mental health (029, 036, "
            "037), primary care and hospitals only; other facility and ancillary lines (62D.124 subd. 2, 60 "
            "miles or 60 minutes) are not built in.",
            "First plan year 2002: the earliest year the text read shows in force (Minnesota Statutes 2002).",
        ),
    ),
    RuleSetDef(
        key="medicaid-MI-2026",
        lob="medicaid",
        state="MI",
        name="Michigan MDHHS network adequacy standards for Medicaid Health Plans (FY25 CHCP)",
        effective_from=2025,
        plan_year=2026,
        vintage="MDHHS standards applicable to the FY25 CHCP contract (from 2024-10-01), read in a third party's "
        "text extraction; read 2026-12",
        file_name="medicaid_MI_2026.csv",
        rules=_mi_rules(),
        notes=(
            "The MDHHS table uses the CMS county types itself (Large Metro, Metro, Micro, Rural, CEAC).",
            "Read in a verbatim text extraction published in a public repository, not in the MDHHS PDF; the "
            "document says the standards are subject to change with the Medicaid Health Plan RFP.",
            "General dentists (DEN), the four dental specialties (END, OMS, PER, PRS) and pharmacies (PHA) have no "
            "HSD code and are scored under Blueprint's own line codes (resources/rules/other_lines.csv). The "
            "minimum of 2 providers within the standard (Large Metro and Metro) is scored per enrollee.",
        ),
    ),
    RuleSetDef(
        key="medicaid-AZ-2026",
        lob="medicaid",
        state="AZ",
        name="Arizona AHCCCS network standards (ACOM Policy 436)",
        effective_from=2025,
        plan_year=2026,
        vintage="ACOM 436 with effective dates through 10/01/25, read in a third party's text extraction; read 2026-12",
        file_name="medicaid_AZ_2026.csv",
        rules=_az_rules(),
        notes=(
            "Maricopa and Pima counties have their own standard (rows for those counties); every other Arizona "
            "county gets the 'All Others' standard.",
            "Primary care, OB/GYN, adult cardiology and pharmacy (PHA, Blueprint's own line code: no HSD code; "
            "resources/rules/other_lines.csv) are scored: the hospital, pediatric cardiologist, behavioral health "
            "and other rows of the policy's page 3 could not be attributed with certainty in the text read, and "
            "nursing facilities are not the HSD skilled nursing line (medicaid_unscored_2026.csv).",
        ),
    ),
    RuleSetDef(
        key="medicaid-GA-2026",
        lob="medicaid",
        state="GA",
        name="Georgia Families geographic access standards (Georgia Families Contract, Figure 1)",
        effective_from=2022,
        plan_year=2026,
        vintage="DCH 'Network Adequacy' page (published 2022-09-26, modified 2026-02-27); read 2026-12",
        file_name="medicaid_GA_2026.csv",
        rules=_ga_rules(),
        notes=(
            "Primary care, specialists, hospitals, mental health, therapy and obstetric providers. PCPs (S03) need "
            "TWO distinct providers within 8 miles (urban) or 15 miles (rural), with no time limit; obstetric "
            "providers (016) TWO within 30 (urban) or 45 (rural) minutes or miles: each member's second-nearest "
            "distinct provider is measured. Pediatricians (PPC: two within 8 or 15 miles, no time) and general "
            "dental providers (DEN) have no HSD code and are scored under Blueprint's own line codes "
            "(resources/rules/other_lines.csv), as are dental subspecialty providers (DSS: any of the six dental "
            "specialties counts) and vision providers (VIS: optometrists, and ophthalmologists too); 24-hour "
            "pharmacies are not scored (medicaid_unscored_2026.csv).",
            "Urban and rural counties: the DCH map was not read; CMS Large Metro and Metro counties are taken as "
            "urban, Micro, Rural and CEAC as rural.",
            "First plan year 2022: the page's first publication; the contract's own effective date was not read.",
        ),
    ),
    RuleSetDef(
        key="qhp-ffe-td-2026",
        lob="qhp",
        state=None,
        name="FFE QHP time and distance standards (Letter to Issuers, as reproduced by Michigan DIFS)",
        effective_from=2023,
        plan_year=2026,
        vintage="the table Michigan DIFS attributes to the 2023 Final Letter to Issuers in the FFEs and still "
        "applies in its guidance updated 3.26 (PY26 and PY27); read in a third party's text extraction; the "
        "Letters of plan years 2024-2027 were not read; read 2026-12",
        file_name="qhp_ffe_td_2026.csv",
        rules=_qhp_rules(),
        notes=(
            "For QHPs on the Federally-facilitated Exchanges: a State-based Exchange, or a state doing its own "
            "network adequacy reviews, may set other standards (load them with `blueprint import ruleset --lob "
            "qhp`).",
            "Read in a state regulator's reproduction (Michigan DIFS) of the Letter to Issuers table, not in the "
            "Letter itself; CMS's QHP network adequacy FAQ says the QHP specialty lists are generally consistent "
            "with Medicare Advantage's, and every row shared with MA equals the MA 2026 table except OB/GYN and "
            "outpatient clinical behavioral health, which the QHP table holds to the primary care standard.",
            "Dental, emergency medicine, urgent care and pediatric primary care have no CMS HSD code: they are "
            "scored under Blueprint's line codes DEN, EMD, URG and PPC, credited from NUCC taxonomies "
            "(resources/rules/other_lines.csv; pediatricians only for PPC, general dentists only for DEN).",
            "County types are CMS's HSD 2026 designations (the Letter's own county list was not read).",
        ),
    ),
    RuleSetDef(
        key="qhp-ffe-sadp-2026",
        lob="qhp",
        state=None,
        name="FFE stand-alone dental plan time and distance standard (as reproduced by Michigan DIFS)",
        effective_from=2023,
        plan_year=2026,
        vintage="DIFS guidance updated 3.26, section 6.1, sourced there to the current plan year's QHP Issuer "
        "Application Instructions; read in a third party's text extraction; read 2026-12",
        file_name="qhp_ffe_sadp_2026.csv",
        rules=_qhp_rules(QHP_SADP_TABLE),
        notes=(
            "For a stand-alone dental plan's network: the one Dental line (DEN: general dentists). Used only when "
            "chosen for the project (`blueprint ruleset PROJECT --use qhp-ffe-sadp-2026`); a medical QHP project "
            "uses qhp-ffe-td-2026, which holds the same Dental row.",
        ),
        auto=False,
    ),
)


# -- standards transcribed but not scored -----------------------------------------------------------------
UNSCORED: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    # state, standard, minutes, miles, combine, source, section / why not scored
    ("GA", "Pharmacies, 24 hours a day, 7 days a week (urban / rural)", "15 / 30", "15 / 30", "or", "GA-DCH-NA",
     "Figure 1, Pharmacies; no input says whether a pharmacy is open 24 hours a day, 7 days a week"),
    ("CA", "Dental services provided by a Medi-Cal managed care plan", "30", "10", "or", "CA-WIC-14197",
     "14197(b)(3); for Medi-Cal dental managed care plans, a separate network from the medical plan's"),
    ("CA", "Hematology (DHCS core specialist)", "", "", "or", "CA-HEALTHNET",
     "county tiers as other specialists; no line for hematologists (hematology-oncology counts as oncology, 021)"),
    ("PA", "Common laboratory and diagnostic services", "30 (MSA) / 60", "20 (MSA) / 45", "or", "PA-9.679",
     "9.679(e)(2); no single HSD specialty code"),
    ("MN", "Dental care (Medicaid contract, as reported by KFF)", "60", "60", "or", "MN-KFF",
     "dental care column; an undated secondary survey, not the state's contract"),
    ("AZ", "Nursing facility (ALTCS E/PD members living in their own home)", "45 (Maricopa, Pima) / 95",
     "30 (Maricopa, Pima) / 85", "or", "AZ-ACOM-436",
     "436 III.A, Nursing Facility; a nursing facility is not the HSD skilled nursing facility line (046)"),
)  # fmt: skip


# -- requirement tables (not time/distance rule sets) ------------------------------------------------------
@dataclass(frozen=True)
class Requirement:
    item: str
    category: str
    requirement: str
    value: str
    unit: str
    source: str
    section: str
    note: str = ""


MEDICAID_FRAMEWORK = (
    Requirement("438.68(a)", "general", "State develops and enforces network adequacy standards", "", "",
                "CFR-438.68", "438.68(a)"),
    Requirement("438.68(b)(1)(i)", "provider type", "Primary care, adult and pediatric: quantitative standard",
                "", "", "CFR-438.68", "438.68(b)(1)(i)", "2016 text: time and distance standard"),
    Requirement("438.68(b)(1)(ii)", "provider type", "OB/GYN: quantitative standard", "", "", "CFR-438.68",
                "438.68(b)(1)(ii)"),
    Requirement("438.68(b)(1)(iii)", "provider type",
                "Behavioral health (mental health and substance use disorder), adult and pediatric: quantitative "
                "standard", "", "", "CFR-438.68", "438.68(b)(1)(iii)"),
    Requirement("438.68(b)(1)(iv)", "provider type",
                "Specialist (as designated by the State), adult and pediatric: quantitative standard", "", "",
                "CFR-438.68", "438.68(b)(1)(iv)"),
    Requirement("438.68(b)(1)(v)", "provider type", "Hospital: quantitative standard", "", "", "CFR-438.68",
                "438.68(b)(1)(v)"),
    Requirement("438.68(b)(1)(vi)", "provider type", "Pharmacy: quantitative standard", "", "", "CFR-438.68",
                "438.68(b)(1)(vi)"),
    Requirement("438.68(b)(1)(vii)", "provider type", "Pediatric dental: quantitative standard", "", "",
                "CFR-438.68", "438.68(b)(1)(vii)"),
    Requirement("438.68(b)(2)", "provider type", "LTSS provider types (contracts covering LTSS): quantitative "
                "standard", "", "", "CFR-438.68", "438.68(b)(2)"),
    Requirement("438.68(b)(3)", "scope", "Standards cover every geographic area of the program; they may vary "
                "by geography", "", "", "CFR-438.68", "438.68(b)(3)"),
    Requirement("438.68(e)-mh-sud", "appointment wait time",
                "Routine outpatient mental health and substance use disorder, adult and pediatric", "10",
                "business days", "CFR-438.68-e", "438.68(e)", "applicability date not verified"),
    Requirement("438.68(e)-primary-care", "appointment wait time", "Routine primary care, adult and pediatric",
                "15", "business days", "CFR-438.68-e", "438.68(e)", "applicability date not verified"),
    Requirement("438.68(e)-obgyn", "appointment wait time", "Routine OB/GYN", "15", "business days",
                "CFR-438.68-e", "438.68(e)", "applicability date not verified"),
    Requirement("438.68(e)-state-selected", "appointment wait time", "One further service chosen by the State",
                "", "", "CFR-438.68-e", "438.68(e)"),
    Requirement("438.68(e)-compliance", "appointment wait time", "Share of appointments meeting the standard "
                "(secret-shopper surveys)", "90", "percent", "CFR-438.68-e", "438.68(e)"),
)  # fmt: skip

QHP_REQUIREMENTS = (
    Requirement("na-td-share", "time and distance", "Share of enrollees within the Letter to Issuers time and "
                "distance standard, each county and specialty type", "90", "percent", "QHP-90",
                "network adequacy review", "scored by the built-in qhp-ffe-td-2026 (the Letter's table as "
                "reproduced by Michigan DIFS, section 4.2: the same 90 percent)"),
    Requirement("na-td-in-person", "time and distance", "Providers count only when appropriately licensed and "
                "with in-person services available", "", "", "QHP-NA", "time and distance standards"),
    Requirement("na-county-types", "time and distance", "County designations: the CMS county types (Large "
                "Metro, Metro, Micro, Rural, CEAC); the app uses the CMS HSD 2026 designations built in", "", "",
                "QHP-NA", "time and distance standards", "our reading: the Letter's own county list was not read"),
    Requirement("awt-behavioral-health", "appointment wait time", "Behavioral health", "10", "business days",
                "QHP-AWT", "Q1 table"),
    Requirement("awt-primary-care", "appointment wait time", "Primary care (routine)", "15", "business days",
                "QHP-AWT", "Q1 table"),
    Requirement("awt-specialty", "appointment wait time", "Specialty care (non-urgent)", "30", "business days",
                "QHP-AWT", "Q1 table"),
    Requirement("awt-compliance", "appointment wait time", "Share of the time enrollees can schedule within the "
                "standard (third-party secret-shopper surveys)", "90", "percent", "QHP-AWT", "Q1"),
    Requirement("ecp-overall", "essential community providers", "Contract with available ECPs in each plan's "
                "service area", "35", "percent", "QHP-ECP", "General ECP Standard, item 2",
                "retained for PY2027 (NBPP-2027)"),
    Requirement("ecp-family-planning", "essential community providers", "Contract with available Family "
                "Planning Providers (not SADPs)", "35", "percent", "QHP-ECP", "General ECP Standard, item 2"),
    Requirement("ecp-fqhc", "essential community providers", "Contract with available Federally Qualified "
                "Health Centers", "35", "percent", "QHP-ECP", "General ECP Standard, item 2"),
    Requirement("ecp-each-category", "essential community providers", "Offer a contract in good faith to at "
                "least one ECP in each ECP category in each county, where available (not SADPs)", "1",
                "ECP per category per county", "QHP-ECP", "General ECP Standard, item 3"),
    Requirement("ecp-indian", "essential community providers", "Offer contracts in good faith to all available "
                "Indian health care providers in the service area", "all", "", "QHP-ECP",
                "General ECP Standard, item 4; 45 CFR 156.235(a)(2)(ii)(A)"),
    Requirement("ecp-single-location", "essential community providers", "Multiple providers at a single "
                "location count as a single ECP, toward both the available ECPs in the plan's service area and the "
                "issuer's count", "1", "ECP per location", "CFR-156.235", "156.235(a)(2)(i)"),
    Requirement("ecp-tiered-networks", "essential community providers", "In a tiered network, only providers "
                "contracted in the tier with the lowest cost sharing count toward the ECP standards", "", "",
                "CFR-156.235", "156.235(a)(2)(i)", "not modelled: a roster carries no network tier"),
    Requirement("ecp-category-fqhc", "ECP category", "Federally Qualified Health Centers", "", "",
                "QHP-ECP-PROPOSAL", "six ECP types before PY2024"),
    Requirement("ecp-category-ryan-white", "ECP category", "Ryan White HIV/AIDS Program Providers", "", "",
                "QHP-ECP-PROPOSAL", "six ECP types before PY2024"),
    Requirement("ecp-category-family-planning", "ECP category", "Family Planning Providers", "", "",
                "QHP-ECP-PROPOSAL", "six ECP types before PY2024"),
    Requirement("ecp-category-indian", "ECP category", "Indian Health Care Providers", "", "",
                "QHP-ECP-PROPOSAL", "six ECP types before PY2024"),
    Requirement("ecp-category-hospitals", "ECP category", "Inpatient Hospitals", "", "", "QHP-ECP-PROPOSAL",
                "six ECP types before PY2024"),
    Requirement("ecp-category-other", "ECP category", "Other ECP Providers", "", "", "QHP-ECP-PROPOSAL",
                "six ECP types before PY2024", "condition-specific facilities; the name as issuers' ECP templates "
                "carry it (a public script reading them, djangorris/ECP_Maps); CMS's own text for it not read"),
    Requirement("ecp-category-mental-health", "ECP category", "Mental Health Facilities", "", "",
                "QHP-ECP-FAQ", "key updates for PY2024"),
    Requirement("ecp-category-sud", "ECP category", "Substance Use Disorder Treatment Centers", "", "",
                "QHP-ECP-FAQ", "key updates for PY2024"),
    Requirement("ecp-categories-count", "ECP category", "Major ECP categories", "8", "categories", "QHP-ECP-FAQ",
                "key updates for PY2024", "Rural Emergency Hospitals added as a provider type (category not read)"),
)  # fmt: skip


REQUIREMENT_TABLES = (
    ("medicaid_federal_438_68.csv", "medicaid-federal-438.68", "medicaid", "42 CFR 438.68 framework",
     MEDICAID_FRAMEWORK),
    ("qhp_ffe_2026_requirements.csv", "qhp-ffe-2026", "qhp",
     "FFE QHP network adequacy and ECP requirements, plan year 2026", QHP_REQUIREMENTS),
)  # fmt: skip

# What the sources read could not settle (docs/rules.md repeats it).
NOT_VERIFIED = (
    "QHP: the Final Letter to Issuers in the FFEs itself, of any plan year: no stored copy was found (searched "
    "2026-12: qhpcertification.cms.gov holds only the Network Adequacy page and FAQs, which refer to the Letter). "
    "The built-in qhp-ffe-td-2026 is the table as Michigan DIFS reproduces it from the PY23 Final Letter, read in "
    "a third party's text extraction of the DIFS PDF; whether the Letters of PY2024-PY2027 changed a value was not "
    "verified (a vendor's note, not read in full, says the PY2026 Letter measures with geographic distance "
    "calculations instead of estimated driving times). The FFE county designation list and which states' QHPs "
    "the FFE standards bind (State-based Exchanges set their own) were not read.",
    "QHP: the exact label of the ECP category holding condition-specific providers, and where Rural Emergency "
    "Hospitals sit.",
    "Medicaid: the text of 42 CFR 438.68(e) (wait times come from a secondary summary) and its applicability date.",
    "California: the county lists of W&I 14197(c)(1)(C) (45 miles or 75 minutes) beyond Merced, Monterey, Kern "
    "and Tulare, and of (c)(1)(D) (60 miles or 90 minutes); the statute's own outpatient mental health, "
    "substance use disorder and pharmacy paragraphs; the definition of 'specialist'; whether SB 530 (2025) was "
    "enacted.",
    "Pennsylvania: the HealthChoices physical health agreement's Exhibit AAA standards; the OMB MSA delineation "
    "of each county (approximated by CMS county type).",
    "Minnesota: the current text of Minn. Stat. 62D.124 (subd. 1 read as proposed in 1999, subd. 2 as in "
    "Minnesota Statutes 2002); that it binds the Medicaid managed care plans (our reading; a KFF survey row, "
    "secondary and undated, gives the same numbers); the Medicaid contract's own standards, including obstetric "
    "care at the primary care standard (KFF).",
    "Texas: the distance table of 1 TAC 353.411(a)(1) (the stored copies read, Justia and elaws, omit it; Justia "
    "shows an 'Attached Graphic') and of the HHSC Uniform Managed Care Contract 8.1.3 (a stored copy of the clause, "
    "lawinsider.com, says only that 90% of members must be within the distance standard of each provider type); "
    "only pharmacy standards for STAR in the Medicaid Rural Service Area were read (txvendordrug.com, 2024).",
    "New York: the Medicaid model contract section 21 travel standards and the travel time/distance part of the "
    "DOH 'Guidelines for MCO Service Delivery Networks' v3.0 (the stored copy holds only its opening sections); "
    "only 10 NYCRR 98-5.5 behavioral health appointment waits were read.",
    "Florida: the SMMC contract's time and distance table (Exhibit II-A, Table 4); no stored text of it was "
    "found. A third party's CSV transcription of it exists (TensorEspresso/medicaid-specialty-mapper) but was not "
    "used: the same repository's Arizona CSV contradicts the ACOM 436 text it stores, and its Texas and New York "
    "files mislabel or conflict with their sources.",
    "Texas, New York (again): the same repository's Texas CSV gives one value per county type labelled as "
    "minutes, while the contract speaks of distance standards; its New York notes contradict each other (primary "
    "care '10 miles or 30 minutes' vs '30 minutes / 30 miles'); neither was used.",
    "Arizona: ACOM 436 was read only in a pdftotext extraction; the rows of the table's page 3 (behavioral health "
    "outpatient and residential, pediatric cardiologist, crisis stabilization, pediatric dentist, hospitals) "
    "could not be attributed to their values with certainty, so only primary care, OB/GYN and adult cardiology "
    "are scored; the 80% telehealth modification is not modelled.",
    "Michigan: the MDHHS PDF itself (read only in a third party's pdftotext extraction); the share of enrollees "
    "required (not stated in the text read: 100% is our reading); whether the minimum of 2 providers within the "
    "standard in Large Metro and Metro counties is per enrollee (scored so: the stricter reading) or per county; "
    "the FY26 and later standards (the document says they may "
    "change with the RFP).",
    "Kentucky, Maryland, Missouri: 907 KAR 17:015 section 2, COMAR 10.67.05.05 and 20 CSR 400-7.095 Exhibit A "
    "were found, but the stored copies end before (or show as a graphic) their time/distance values.",
    "Which states are the five largest Medicaid managed-care programs by enrollment was not verified; "
    "California, New York, Texas, Florida and Pennsylvania were tried (two built in); Minnesota, Michigan, "
    "Arizona and Georgia were added because their texts could be read.",
    "Georgia: the DCH county map of urban and rural counties (CMS Large Metro and Metro taken as urban); the "
    "contract's own text and effective date; the pediatrician row (no HSD code), which is not scored.",
)


# -- writing -------------------------------------------------------------------------------------------
RULE_COLUMNS = (
    "line_code", "line_name", "kind", "county_type", "max_minutes", "max_miles", "required_pct", "min_count",
    "ratio_per_1000", "plan_year", "counties", "county_names", "combine", "source", "source_url",
    "source_section", "source_vintage", "verified", "note", "providers_within",
)  # fmt: skip
REQUIREMENT_COLUMNS = (
    "item", "category", "requirement", "value", "unit", "source", "source_url", "source_section",
    "source_vintage", "verified", "note",
)  # fmt: skip
UNSCORED_COLUMNS = (
    "state", "standard", "max_minutes", "max_miles", "combine", "source", "source_url", "source_section",
    "source_vintage", "verified",
)  # fmt: skip

HEADER_NOTE = "# derived by installers/derive_lob_rules.py from the transcription there; do not edit by hand"


def _num(value: float) -> str:
    # A distance-only standard (Georgia PCPs: "Two (2) within eight (8) miles") has no time: "none" in the
    # max_minutes column, which rules/lob.py reads as no time limit.
    return "none" if value == math.inf else f"{value:g}"


def _header(**fields: object) -> str:
    lines = [HEADER_NOTE]
    lines += [f"# {k}: {v}" for k, v in fields.items() if v not in (None, "")]
    return "\n".join(lines) + "\n"


def _cite(key: str) -> tuple[str, str, str, str]:
    s = SOURCES[key]
    return s.title, s.url, s.vintage, s.verified


def derive_rule_set(rs: RuleSetDef) -> str:
    out = io.StringIO()
    out.write(
        _header(
            key=rs.key, lob=rs.lob, state=rs.state, name=rs.name, effective_from=rs.effective_from,
            plan_year=rs.plan_year, vintage=rs.vintage, auto=None if rs.auto else "no",
            **{f"note_{i + 1}": n for i, n in enumerate(rs.notes)},
        )
    )  # fmt: skip
    w = csv.writer(out, lineterminator="\n")
    w.writerow(RULE_COLUMNS)
    for r in rs.rules:
        title, url, vintage, verified = _cite(r.source)
        w.writerow((
            r.line_code, r.line_name, r.kind, r.county_type, _num(r.minutes), _num(r.miles), _num(r.required_pct),
            "", "", rs.plan_year, ";".join(f for f, _ in r.counties), ";".join(n for _, n in r.counties),
            r.combine, title, url, r.section, vintage, verified, r.note, r.providers_within,
        ))  # fmt: skip
    return out.getvalue()


def derive_requirements(key: str, lob: str, name: str, rows: tuple[Requirement, ...]) -> str:
    out = io.StringIO()
    out.write(_header(key=key, lob=lob, name=name, kind="requirements"))
    w = csv.writer(out, lineterminator="\n")
    w.writerow(REQUIREMENT_COLUMNS)
    for r in rows:
        title, url, vintage, verified = _cite(r.source)
        w.writerow((r.item, r.category, r.requirement, r.value, r.unit, title, url, r.section, vintage,
                    verified, r.note))  # fmt: skip
    return out.getvalue()


def derive_unscored() -> str:
    out = io.StringIO()
    out.write(_header(key="medicaid-unscored-2026", lob="medicaid", kind="not scored",
                      name="State standards transcribed but not scored (no line Blueprint can credit, or an input it lacks)"))  # fmt: skip
    w = csv.writer(out, lineterminator="\n")
    w.writerow(UNSCORED_COLUMNS)
    for state, standard, minutes, miles, combine, source, section in UNSCORED:
        title, url, vintage, verified = _cite(source)
        w.writerow((state, standard, minutes, miles, combine, title, url, section, vintage, verified))
    return out.getvalue()


def derive_all() -> dict[str, str]:
    """File name -> the text this script writes for it."""
    files = {rs.file_name: derive_rule_set(rs) for rs in RULE_SETS}
    for file_name, key, lob, name, rows in REQUIREMENT_TABLES:
        files[file_name] = derive_requirements(key, lob, name, rows)
    files["medicaid_unscored_2026.csv"] = derive_unscored()
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed files, write nothing"
    )
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="folder to write (default resources/rules)")
    args = parser.parse_args(argv)
    files = derive_all()
    differs = []
    for name, text in files.items():
        path = args.out / name
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                differs.append(name)
            continue
        path.write_text(text, encoding="utf-8")
        rows = sum(1 for line in text.splitlines() if not line.startswith("#")) - 1
        print(f"wrote {path} ({rows} rows)")
    if differs:
        print(f"differs from the transcription: {', '.join(differs)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
