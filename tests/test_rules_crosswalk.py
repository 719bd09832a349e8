"""The NUCC -> HSD crosswalk: coverage, the seed's examples and the Notes-tab exclusions."""

from blueprint_desktop.rules.crosswalk import (
    hsd_code_to_line,
    hsd_codes_for_taxonomy,
    known_taxonomy,
    lines_for_taxonomy,
    load_crosswalk,
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
