"""The NUCC -> HSD crosswalk: coverage, the seed's examples and the Notes-tab exclusions."""

from blueprint_desktop.rules.crosswalk import (
    EXCLUSION_BY_TAXONOMY,
    exclusion_for_taxonomy,
    hsd_code_to_line,
    hsd_codes_for_taxonomy,
    known_taxonomy,
    lines_for_taxonomy,
    load_crosswalk,
    nucc_code,
    taxonomies_for_line,
)
from blueprint_desktop.rules.standards import all_lines


def test_size_and_code_format():
    xw = load_crosswalk()
    assert len(xw) >= 280
    assert all(len(c) == 10 and c.endswith("X") for c in xw)


def test_every_line_is_covered():
    covered = {
        line for code in load_crosswalk() for line in lines_for_taxonomy(code, include_conditional=True)
    }
    assert {line.code for line in all_lines()} <= covered
    # and every line except the service-level hospital lines has a default (unconditional) taxonomy
    default = {line for code in load_crosswalk() for line in lines_for_taxonomy(code)}
    assert {line.code for line in all_lines()} - default == {"041", "042", "043"}


def test_seed_examples():
    assert lines_for_taxonomy("207Q00000X") == ["S03"]  # family medicine
    assert hsd_codes_for_taxonomy("207Q00000X") == ["002"]
    assert lines_for_taxonomy("207RC0000X") == ["008"]  # cardiology is 008, not 010 (chiropractor)
    assert lines_for_taxonomy("111N00000X") == ["010"]
    assert lines_for_taxonomy("282N00000X") == ["040"]  # hospital
    assert lines_for_taxonomy("314000000X") == ["046"]  # SNF
    assert hsd_codes_for_taxonomy("363L00000X") == ["006"] and lines_for_taxonomy("363L00000X") == ["S03"]
    assert hsd_codes_for_taxonomy("363A00000X") == ["005"]
    assert lines_for_taxonomy("2086X0206X") == ["015", "021"]  # one taxonomy, two lines


def test_notes_tab_exclusions():
    assert "026" not in lines_for_taxonomy("225100000X", include_conditional=True)  # PTs are never physiatry
    assert lines_for_taxonomy("225100000X") == ["049"]
    assert "035" not in lines_for_taxonomy("207RC0000X", include_conditional=True)  # cardiologists never 035
    assert lines_for_taxonomy("231H00000X", include_conditional=True) == []  # audiologists are not 051
    assert (
        lines_for_taxonomy("282NC2000X", include_conditional=True) == []
    )  # children's hospitals don't count
    assert known_taxonomy("282NC2000X") and not known_taxonomy("999999999X")


def test_outpatient_behavioral_health():
    for code in ("101YM0800X", "106H00000X", "261QM0801X", "2084A0401X"):
        assert lines_for_taxonomy(code) == ["068"], code
    assert lines_for_taxonomy("363LP0808X") == []  # NPs only with >= 20 BH patients (conditional)
    assert lines_for_taxonomy("363LP0808X", include_conditional=True) == ["068"]
    assert "068" not in lines_for_taxonomy("2084P0800X", include_conditional=True)  # psychiatrists stay 029
    assert "1041C0700X" in taxonomies_for_line("037")


def test_hsd_code_to_line():
    assert [hsd_code_to_line(c) for c in ("001", "6", "S03", "40", "068")] == [
        "S03",
        "S03",
        "S03",
        "040",
        "068",
    ]
    assert lines_for_taxonomy("261QE0700X") == [] and lines_for_taxonomy(
        "261QE0700X", include_unscored=True
    ) == ["044"]


def test_every_crosswalk_code_is_a_nucc_v25_1_code_named_as_nucc_names_it() -> None:
    # NUCC v25.1 (resources/rules/nucc_taxonomy_codes.csv): codes and "Classification, Specialization" names.
    wrong = {
        code: (entry.description, nucc_code(code).name if nucc_code(code) else None)
        for code, entry in load_crosswalk().items()
        if nucc_code(code) is None or nucc_code(code).name != entry.description
    }
    assert wrong == {}


def test_codes_added_for_cms_exact_rosters() -> None:
    assert lines_for_taxonomy("261QM2800X") == ["068"]  # methadone clinic = OTP (HSD26 Notes 068)
    assert lines_for_taxonomy("2085R0203X") == ["022"]  # NUCC: the certificate was renamed Radiation Oncology


# The 9 codes new in NUCC v25.1 (v24.1 -> v25.1 diff), each decided explicitly (note in the CSV).
NEW_IN_V25_1 = {
    "207QD0401X": ["002"],  # Family Medicine, Diabetology: as Family Medicine, Obesity Medicine
    "207QB0505X": ["003"],  # Internal Medicine, Diabetology (NUCC classification despite its 207Q prefix)
    "207QP0002X": ["002"],  # Family Medicine, Physician Nutrition Specialist
    "207RP1002X": ["003"],  # Internal Medicine, Physician Nutrition Specialist
    "2086P0122X": ["015"],  # Surgery, Physician Nutrition Specialist: as Surgical Critical Care
    "2080P1004X": [],  # Pediatrics, Physician Nutrition Specialist: pediatric, not listed for MA
    "207LP4000X": [],  # Anesthesiology, Physician Nutrition Specialist: anesthesiology is not an HSD type
    "146E00000X": [],  # Community Paramedic: EMS is not an HSD type
    "1835P1400X": [],  # Pharmacist, Pain Management: pharmacists are not an HSD type
}


def test_the_codes_new_in_nucc_v25_1_are_decided() -> None:
    for code, codes in NEW_IN_V25_1.items():
        assert known_taxonomy(code), code  # a row: mapped, or an explicit "no line" with its reason
        assert hsd_codes_for_taxonomy(code, include_conditional=True) == codes, code
        assert "new in NUCC v25.1" in load_crosswalk()[code].note


def test_exclusions_by_taxonomy() -> None:
    # 42 CFR 422.116(a)(3)(i)(A)-(B), decided over NUCC's Hospitals and Residential Treatment Facilities.
    assert exclusion_for_taxonomy("282NC2000X") == "children"
    assert exclusion_for_taxonomy("282E00000X") == "long_term_care"
    assert exclusion_for_taxonomy("284300000X") == "specialized"
    assert exclusion_for_taxonomy("283X00000X") == "specialized"  # rehabilitation hospital (documented)
    assert exclusion_for_taxonomy("324500000X") == "residential_only"
    # A psychiatric hospital is what HSD 052 lists, not an excluded specialized hospital.
    assert exclusion_for_taxonomy("283Q00000X") is None and lines_for_taxonomy("283Q00000X") == ["052"]
    assert exclusion_for_taxonomy("282N00000X") is None
    for code, exclusion in EXCLUSION_BY_TAXONOMY.items():
        nucc = nucc_code(code)
        assert nucc is not None and nucc.grouping in ("Hospitals", "Residential Treatment Facilities"), code
        assert exclusion in ("children", "long_term_care", "specialized", "residential_only")
        assert lines_for_taxonomy(code) == [], code  # never credited a line by default either
