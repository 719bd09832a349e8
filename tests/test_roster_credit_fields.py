"""The roster fields that decide whether a contracted provider counts (schema 7), the NUCC tolerance of the
roster, the import's credit warnings and the ``credit-exclusions`` check.

Sources the tests pin: 42 CFR 422.116(a)(3)(i)(A)-(C) (specialized, long-term care and pediatric/children's
hospitals, residential-only providers and contracts only for commercial/Medicaid/other products do not
count); CMS HSD Reference File 2026, Notes tab (005/006 PAs/NPs only as the primary care source; no 068 for a
provider listed as 029/036/037); the NUCC taxonomy code set v25.1 (resources/rules/nucc_taxonomy_codes.csv).
"""

from __future__ import annotations

import csv
import json

import pytest
from deficiency_scenario import npi
from roster_files import (
    FORT_BEND_SSA,
    HARRIS_SSA,
    dump,
    provider_row,
    provider_table,
    template_file,
    template_row,
)

from blueprint_desktop.cli import main
from blueprint_desktop.data import roster_validate as rv
from blueprint_desktop.data.roster_import import RosterRejected, import_roster, preview_roster
from blueprint_desktop.deficiency.checks import CHECKS, run_checks
from blueprint_desktop.engine.credited import credited_mask, load_locations
from blueprint_desktop.rules.reference_file import import_reference_file
from blueprint_desktop.store import open_project

CHILDRENS = npi("600000001")
GENERAL = npi("600000002")
KIDS_NAMED = npi("600000003")
NP = npi("600000010")
NP_PCS = npi("600000011")
NP_TAXONOMY = npi("600000012")
PSYCH = npi("600000020")
MEDICAID_ONLY = npi("600000030")
DIRECT = npi("600000031")
MA_PRODUCT = npi("600000032")
RADONC = npi("600000040")
RADONC_TAX = npi("600000041")
UNMAPPED = npi("600000042")
# 207QS0010X Family Medicine, Sports Medicine: a NUCC v25.1 code our crosswalk does not map (207QD0401X, the
# brief's example, is now mapped to 002 with the other codes new in v25.1: test_rules_crosswalk.py).
UNMAPPED_CODE = "207QS0010X"


def _credited(project, npi_: str, line: str) -> bool:
    """Whether the engine credits this NPI for this evaluated line at any location."""
    df = load_locations(project)
    rows = ((df.npi == npi_) & (df.line_code == line)).to_numpy()
    assert rows.any(), f"{npi_} has no {line} row"
    return bool(credited_mask(df, lob=project.lob)[rows].any())


def _provider(project, npi_: str) -> dict:
    cur = project.conn.execute("SELECT * FROM providers WHERE npi = ?", (npi_,))
    return dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))


def _hospital(npi_: str, name: str, **values: str) -> dict[str, str]:
    return template_row(npi_, name, specialty_code="040", beds="400", address="6621 Fannin St", **values)


def _credit_warnings(result) -> dict[tuple[str, str], str]:
    """(npi, rule) -> message of the import's credit warnings."""
    return {(w.value.split()[0], w.kind): w.expected for w in result.warnings if w.column == "(credit)"}


# -- 42 CFR 422.116(a)(3)(i)(A): a children's hospital does not count, whatever its HSD code -------------------
@pytest.mark.parametrize(
    "how",
    [
        {"exclusion": "Children's Hospital"},
        {"taxonomy": "282NC2000X"},
    ],  # the column, or NUCC's children's hospital
    ids=["exclusion-column", "taxonomy-282NC2000X"],
)
def test_a_400_bed_childrens_hospital_coded_040_is_stored_warned_listed_and_not_credited(
    project, tmp_path, how
) -> None:
    rows = [
        _hospital(CHILDRENS, "Texas Children's Hospital", **how),
        _hospital(
            GENERAL, "Memorial Hermann", taxonomy="282N00000X"
        ),  # the control: a general hospital counts
    ]
    result = import_roster(project, template_file(tmp_path / "h.csv", rows))
    assert _provider(project, CHILDRENS)["exclusion"] == "children"
    assert _provider(project, GENERAL)["exclusion"] is None
    warned = _credit_warnings(result)
    assert list(warned) == [(CHILDRENS, "excluded")]
    assert "pediatric/children's hospital" in warned[(CHILDRENS, "excluded")]
    assert "422.116(a)(3)(i)(A)" in warned[(CHILDRENS, "excluded")]
    assert result.warning_counts["excluded"] == 1
    # Kept in the batch summary.
    summary = json.loads(project.conn.execute("SELECT summary_json FROM import_batches").fetchone()[0])
    assert [(x["npi"], x["line"], x["rule"]) for x in summary["credit_exclusions"]] == [
        (CHILDRENS, "040", "excluded")
    ]
    # Listed by `blueprint checks`, once per line, as a warning not tied to a gap.
    findings = [f for f in run_checks(project) if f.check == "credit-exclusions"]
    assert [(f.npi, f.gap_id, f.severity) for f in findings] == [(CHILDRENS, None, "warning")]
    assert "Texas Children's Hospital, line 040: pediatric/children's hospital" in findings[0].message
    # And the engine does not credit it; the general hospital next door it does.
    assert not _credited(project, CHILDRENS, "040")
    assert _credited(project, GENERAL, "040")


def test_a_name_that_says_childrens_only_warns(project, tmp_path) -> None:
    """Never excluded on the name alone (a guess): counted, with a warning naming the exclusion field."""
    result = import_roster(
        project, template_file(tmp_path / "h.csv", [_hospital(KIDS_NAMED, "Bayou Pediatric Medical Center")])
    )
    assert _provider(project, KIDS_NAMED)["exclusion"] is None
    [w] = [w for w in result.warnings if w.kind == "name_suggests_children"]
    assert (w.row_number, w.column, w.severity) == (2, "name", "warning")
    assert "exclusion = children" in w.expected
    assert _credited(project, KIDS_NAMED, "040")


def test_exclusion_spellings_are_explicit_and_none_overrides_the_taxonomy(project, tmp_path) -> None:
    assert rv.parse_exclusion("LTCH") == "long_term_care"
    assert rv.parse_exclusion("Long-Term Care") == "long_term_care"
    assert rv.parse_exclusion("pediatric") == "children"
    assert rv.parse_exclusion("Specialty Hospital") == "specialized"
    assert rv.parse_exclusion("Residential") == "residential_only"
    with pytest.raises(rv._Bad, match="one of children, long_term_care"):
        rv.parse_exclusion("cancer center")  # never a guess
    # 283X00000X Rehabilitation Hospital is a specialized hospital by default (crosswalk.EXCLUSION_BY_TAXONOMY);
    # a roster that says "none" is believed, and warned.
    rehab = npi("600000050")
    row = template_row(
        rehab, "Rehab Outpatient", specialty_code="049", taxonomy="283X00000X", exclusion="none"
    )
    result = import_roster(project, template_file(tmp_path / "r.csv", [row]))
    assert _provider(project, rehab)["exclusion"] is None
    assert [w.kind for w in result.warnings] == ["exclusion_overridden"]


# -- 42 CFR 422.116(a)(3)(i)(C): contracts only for non-MA products do not count ------------------------------
def test_contract_type_sets_the_ma_product(project, tmp_path) -> None:
    rows = [
        provider_row(MEDICAID_ONLY, "Dr. Medicaid", "008", contract_type="Medicaid only"),
        provider_row(DIRECT, "Dr. Direct", "008", contract_type="Direct"),  # a relationship: says nothing
        provider_row(MA_PRODUCT, "Dr. MA", "008", contract_type="MA/Medicaid"),
    ]
    result = import_roster(project, provider_table(tmp_path / "p.csv", rows))
    assert _provider(project, MEDICAID_ONLY)["ma_contracted"] == 0
    assert _provider(project, DIRECT)["ma_contracted"] is None
    assert _provider(project, MA_PRODUCT)["ma_contracted"] == 1
    assert _provider(project, MEDICAID_ONLY)["contract_type"] == "Medicaid only"  # the text stays
    assert list(_credit_warnings(result)) == [(MEDICAID_ONLY, "not_ma")]
    assert not _credited(project, MEDICAID_ONLY, "008")
    assert _credited(project, DIRECT, "008") and _credited(project, MA_PRODUCT, "008")


@pytest.mark.parametrize("lob", ["medicaid", "qhp"])
def test_other_lines_of_business_do_not_borrow_mas_exclusions(tmp_path, lob) -> None:
    """42 CFR 422.116(a)(3) and the MA HSD Notes are Medicare Advantage rules. In a Medicaid or QHP project a
    children's hospital, a Medicaid-only contract, a 029+068 provider and a PA/NP who is not a primary care
    source all count, and the import warns about none of it; the same rows in an MA project do not count."""
    from blueprint_desktop.store import create_project

    rows = [
        _hospital(CHILDRENS, "Texas Children's Hospital", exclusion="Children's Hospital"),
        _hospital(KIDS_NAMED, "Bayou Pediatric Medical Center"),
        template_row(MEDICAID_ONLY, "Dr. Medicaid", contract_type="Medicaid only"),
        template_row(PSYCH, "Dr. Psych", specialty_code="029", entity_type="individual"),
        template_row(PSYCH, "Dr. Psych", specialty_code="068", entity_type="individual"),
        template_row(NP, "Nia Nurse, NP", specialty_code="006"),
    ]
    expect = [(CHILDRENS, "040"), (MEDICAID_ONLY, "008"), (PSYCH, "068"), (NP, "S03")]
    ma_warnings = {
        "name_suggests_children",
        "excluded",
        "not_ma",
        "obh_listed_elsewhere",
        "np_pa_not_primary_source",
    }
    for this in (lob, "ma"):
        path = tmp_path / f"{this}.bpproj"
        create_project(path, "p", lob=this, plan_year=2026, counties=[("48201", "TX"), ("48157", "TX")])
        with open_project(path) as project:
            result = import_roster(project, template_file(tmp_path / f"{this}.csv", rows))
            warned = {w.kind for w in result.warnings}
            credited = [_credited(project, n, line) for n, line in expect]
            if this == "ma":
                assert credited == [False] * 4
                assert ma_warnings <= warned
            else:
                assert credited == [True] * 4, credited
                assert not ma_warnings & warned, warned


def test_ma_vocabulary_is_one_explicit_table() -> None:
    for text, value in [
        ("Medicaid only", 0),
        ("Commercial", 0),
        ("Commercial only", 0),
        ("Exchange/QHP", 0),
        ("Other products", 0),  # 422.116(a)(3)(i)(C): "other products"
        ("Other", None),  # ambiguous alone: never takes credit away
        ("MA", 1),
        ("Medicare Advantage", 1),
        ("Medicare", 1),
        ("All products", 1),
        ("Direct", None),
        ("Downstream", None),
        ("Subcontract", None),
        ("Group", None),
        ("Full risk capitation", None),  # free text: no problem, says nothing
    ]:
        assert rv.ma_from_contract_type(text) == value, text
    assert rv.parse_ma_contracted("Y") == 1 and rv.parse_ma_contracted("n") == 0
    assert rv.parse_ma_contracted("Medicaid only") == 0
    for bad in ("Direct", "perhaps"):  # the explicit column must say yes or no
        with pytest.raises(rv._Bad, match="Y or N"):
            rv.parse_ma_contracted(bad)


def test_the_ma_contracted_column_wins_over_contract_type_with_a_warning(project, tmp_path) -> None:
    row = template_row(MEDICAID_ONLY, "Dr. Both", contract_type="Medicaid only", ma_contracted="Y")
    result = import_roster(project, template_file(tmp_path / "t.csv", [row]))
    assert _provider(project, MEDICAID_ONLY)["ma_contracted"] == 1
    assert [w.kind for w in result.warnings] == ["ma_conflict"]
    assert _credited(project, MEDICAID_ONLY, "008")


# -- HSD Notes 068: a provider listed as 029/036/037 is not also credited for 068 ------------------------------
def test_one_npi_listed_as_029_and_068_is_not_credited_for_068(project, tmp_path) -> None:
    # 068 is a facility-table code and 029 a provider-table code (HSD26), so the two listings meet in the template.
    rows = [
        template_row(PSYCH, "Dr. Psych", specialty_code="029", entity_type="individual"),
        template_row(PSYCH, "Dr. Psych", specialty_code="068", entity_type="individual"),
    ]
    result = import_roster(project, template_file(tmp_path / "p.csv", rows))
    assert list(_credit_warnings(result)) == [(PSYCH, "obh_listed_elsewhere")]
    assert _credited(project, PSYCH, "029")
    assert not _credited(project, PSYCH, "068")


# -- HSD Notes 005/006: PAs/NPs count for primary care only as the primary care source ------------------------
def test_np_earns_s03_credit_only_as_the_primary_care_source(project, tmp_path) -> None:
    rows = [
        template_row(NP, "Nia Nurse, NP", specialty_code="006"),
        template_row(NP_PCS, "Pat Source, NP", specialty_code="006", primary_care_source="Y"),
        template_row(NP_TAXONOMY, "Tay Taxonomy, NP", specialty_code="", taxonomy="363LF0000X"),  # -> 006
    ]
    result = import_roster(project, template_file(tmp_path / "np.csv", rows))
    assert _provider(project, NP)["primary_care_source"] is None
    assert _provider(project, NP_PCS)["primary_care_source"] == 1
    assert set(_credit_warnings(result)) == {
        (NP, "np_pa_not_primary_source"),
        (NP_TAXONOMY, "np_pa_not_primary_source"),
    }
    assert "no primary care credit" in _credit_warnings(result)[(NP, "np_pa_not_primary_source")]
    assert not _credited(project, NP, "S03")
    assert not _credited(project, NP_TAXONOMY, "S03")
    assert _credited(project, NP_PCS, "S03")


# -- NUCC tolerance: a valid NUCC code our crosswalk lacks never refuses the file --------------------------
def test_nucc_codes_beyond_the_crosswalk(project, tmp_path) -> None:
    rows = [
        template_row(RADONC, "Dr. Ray", specialty_code="022", taxonomy="2085R0203X"),  # HSD code decides
        template_row(
            RADONC_TAX, "Dr. Tess", specialty_code="", taxonomy="2085R0203X"
        ),  # new crosswalk row -> 022
        template_row(UNMAPPED, "Dr. Sport", specialty_code="", taxonomy=UNMAPPED_CODE),  # no line
        template_row(npi("600000043"), "Dr. Sport Two", specialty_code="002", taxonomy=UNMAPPED_CODE),
    ]
    result = import_roster(project, template_file(tmp_path / "n.csv", rows))
    assert result.rows_imported == 4 and result.problems == []
    lines = dict(
        project.conn.execute(
            "SELECT p.npi, group_concat(pl.line_code) FROM providers p LEFT JOIN provider_lines pl"
            " ON pl.provider_id = p.id GROUP BY p.npi"
        ).fetchall()
    )
    assert (lines[RADONC], lines[RADONC_TAX], lines[UNMAPPED], lines[npi("600000043")]) == (
        "022",
        "022",
        None,
        "002",
    )
    assert _credited(project, RADONC_TAX, "022")
    [w] = [w for w in result.warnings if w.kind == "no_line"]
    assert (w.row_number, w.column, w.value, w.severity) == (4, "taxonomy", UNMAPPED_CODE, "warning")
    assert w.expected.startswith("credits no line: taxonomy 207QS0010X (Family Medicine, Sports Medicine)")
    assert result.warning_counts["no_line"] == 1


def test_a_code_that_is_not_nucc_is_still_refused_and_changes_nothing(project, tmp_path) -> None:
    import_roster(
        project, template_file(tmp_path / "a.csv", [template_row(RADONC, "Dr. Ray", specialty_code="022")])
    )
    before = dump(project)
    rows = [
        _hospital(CHILDRENS, "Texas Children's Hospital", exclusion="children"),
        template_row(UNMAPPED, "Dr. Sport", specialty_code="", taxonomy=UNMAPPED_CODE),
        template_row(npi("600000044"), "Dr. Typo", specialty_code="", taxonomy="ABC"),
        template_row(npi("600000045"), "Dr. Maybe", exclusion="sometimes", ma_contracted="Direct"),
    ]
    with pytest.raises(RosterRejected) as err:
        import_roster(project, template_file(tmp_path / "b.csv", rows))
    assert [(p.row_number, p.column, p.expected.split(" (")[0]) for p in err.value.problems] == [
        (4, "taxonomy", "a 10-character NUCC taxonomy code ending in X"),
        (5, "exclusion", "one of children, long_term_care, specialized, residential_only, none"),
        (5, "ma_contracted", "Y or N, or the contract's products"),
    ]
    assert dump(project) == before  # one transaction: bad rows change nothing


# -- counties served and telehealth ------------------------------------------------------------------------
def test_counties_served_are_stored_as_fips(project, tmp_path) -> None:
    ref = tmp_path / "ref.csv"  # the CMS list of SSA codes: Harris 45610, Fort Bend 45530
    ref.write_text(
        "ssa_code,state,county,county_designation,line_code,max_minutes,max_miles,min_count,plan_year\n"
        "45610,TX,Harris,Large Metro,008,10,5,1,2026\n45530,TX,Fort Bend,Metro,008,15,10,1,2026\n"
    )
    import_reference_file(project, ref)
    rows = [
        provider_row(RADONC, "Dr. Ray", "022", ssa=HARRIS_SSA),
        provider_row(RADONC, "Dr. Ray", "022", ssa=FORT_BEND_SSA),  # the same office, another county served
    ]
    import_roster(project, provider_table(tmp_path / "p.csv", rows))
    assert project.conn.execute("SELECT county_fips FROM provider_counties ORDER BY 1").fetchall() == [
        ("48157",),
        ("48201",),
    ]
    # A FIPS or a county name is accepted too; with no SSA list a code is checked for its form only.
    ctx = rv.Context()
    assert rv.parse_county_served("48201", "TX", ctx) == ["48201"]
    assert rv.parse_county_served("Fort Bend", "TX", ctx) == ["48157"]
    assert rv.parse_county_served(HARRIS_SSA, "TX", ctx) == []
    assert rv.parse_county_served(HARRIS_SSA, "TX", rv.Context({HARRIS_SSA: ("TX", "48201")})) == ["48201"]
    with pytest.raises(rv._Bad, match="SSA state/county code of the CMS HSD Reference File"):
        rv.parse_county_served("45999", "TX", rv.Context({HARRIS_SSA: ("TX", "48201")}))


def test_offers_telehealth_is_stored_apart_from_telehealth_only(project, tmp_path) -> None:
    rows = [template_row(RADONC, "Dr. Ray", offers_telehealth="Y", telehealth_only="N")]
    import_roster(project, template_file(tmp_path / "t.csv", rows))
    p = _provider(project, RADONC)
    assert (p["offers_telehealth"], p["telehealth_only"]) == (1, 0)
    assert _credited(project, RADONC, "008")  # offering telehealth too takes nothing away


def test_a_newer_roster_rewrites_the_facts(project, tmp_path) -> None:
    import_roster(
        project, template_file(tmp_path / "a.csv", [_hospital(CHILDRENS, "St. Kid", exclusion="children")])
    )
    assert _provider(project, CHILDRENS)["exclusion"] == "children"
    import_roster(project, template_file(tmp_path / "b.csv", [_hospital(CHILDRENS, "St. Kid", exclusion="")]))
    assert _provider(project, CHILDRENS)["exclusion"] is None  # the file has the column: a blank clears it
    change = project.conn.execute(
        "SELECT detail_json FROM roster_changes WHERE change = 'changed'"
    ).fetchone()
    assert json.loads(change[0])["exclusion"] == {"before": "children", "after": None}


def test_preview_lists_warnings_apart_from_problems(project, tmp_path) -> None:
    path = template_file(
        tmp_path / "n.csv", [template_row(UNMAPPED, "Dr. Sport", specialty_code="", taxonomy=UNMAPPED_CODE)]
    )
    preview = preview_roster(path, project)
    assert preview.problems == [] and [w.kind for w in preview.warnings] == ["no_line"]
    assert preview.as_dict()["warnings"][0]["severity"] == "warning"


# -- the command line: a count, up to 20 lines, all of them in the problem report -------------------------
def test_cli_prints_a_count_and_twenty_warnings_and_reports_all(project_path, tmp_path, capsys) -> None:
    rows = [
        template_row(npi(f"6100000{i:02d}"), f"Dr. Sport {i}", specialty_code="", taxonomy=UNMAPPED_CODE)
        for i in range(24)
    ] + [_hospital(CHILDRENS, "Texas Children's Hospital", taxonomy="282NC2000X")]
    path = template_file(tmp_path / "roster.csv", rows)
    assert main(["import", "roster", str(project_path), str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    report = tmp_path / "roster.csv.problems.csv"
    count = next(line for line in out if line.startswith("  warnings: "))
    assert count.startswith("  warnings: 25 (") and "credits no line 24" in count
    assert "excluded facility or setting 1" in count
    assert sum(1 for line in out if ": warning: " in line) == 20
    assert out[-1] == f"    ... and 5 more in {report}"
    with report.open(encoding="utf-8-sig", newline="") as fh:
        written = list(csv.DictReader(fh))
    assert len(written) == 25 and {r["severity"] for r in written} == {"warning"}
    childrens = [r for r in written if r["column"] == "(credit)"]
    assert childrens[0]["value"] == f"{CHILDRENS} Texas Children's Hospital, line 040"
    with open_project(project_path) as project:
        assert not _credited(project, CHILDRENS, "040")


def test_checks_cli_and_the_windows_label(project_path, tmp_path, capsys) -> None:
    """The check key has its title in CHECKS, which the window's checks pane shows (gui/timeline_pane.py)."""
    assert CHECKS["credit-exclusions"] == "Contracted provider that does not count"
    with open_project(project_path) as project:
        import_roster(
            project,
            provider_table(
                tmp_path / "p.csv", [provider_row(MEDICAID_ONLY, "Dr. M", "008", contract_type="Medicaid")]
            ),
        )
    capsys.readouterr()
    assert main(["checks", str(project_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        f"credit-exclusions: {MEDICAID_ONLY} Dr. M, line 008: contracted only for commercial"
    )


def test_rows_of_one_npi_share_the_facts_a_blank_is_no_disagreement(project, tmp_path) -> None:
    """One NPI is one provider (docs/data-in.md): a fact given on one row of it holds for the NPI; two
    different values are a problem."""
    rows = [
        _hospital(CHILDRENS, "St. Kid", exclusion="children", county_served="48201"),
        _hospital(
            CHILDRENS, "St. Kid", exclusion="", county_served="48157"
        ),  # the same office, another county
    ]
    import_roster(project, template_file(tmp_path / "a.csv", rows))
    assert _provider(project, CHILDRENS)["exclusion"] == "children"
    assert [r[0] for r in project.conn.execute("SELECT county_fips FROM provider_counties ORDER BY 1")] == [
        "48157",
        "48201",
    ]
    rows[1] = _hospital(CHILDRENS, "St. Kid", exclusion="specialized", county_served="48157")
    with pytest.raises(RosterRejected) as err:
        import_roster(project, template_file(tmp_path / "b.csv", rows))
    assert [(p.row_number, p.column, p.expected) for p in err.value.problems] == [
        (3, "exclusion", "children as on row 2 (one NPI is one provider)")
    ]


def test_a_qhp_template_code_is_refused_with_what_it_means(tmp_path) -> None:
    """The QHP network adequacy template numbers some types differently (its 102 is Social Worker, its 037
    Emergency Medicine): such a code is refused, and the message says so and what to give instead. The three
    template codes of lines with no HSD code (101 Primary Care - Pediatric, 201 Dental - General, 080 Urgent
    Care) are read as those lines in a QHP project, and refused in an MA one."""
    from blueprint_desktop.store import create_project

    path = tmp_path / "q.bpproj"
    create_project(path, "q", lob="qhp", plan_year=2026, counties=[("48201", "TX")])
    with open_project(path) as project:
        rows = [
            template_row(NP, "Dr. Kids", specialty_code="101", entity_type="individual"),
            template_row(
                npi("600000011"), "A. Social Worker", specialty_code="102", entity_type="individual"
            ),
        ]
        with pytest.raises(RosterRejected) as refused:
            import_roster(project, template_file(tmp_path / "q.csv", rows))
        text = str(refused.value)
        assert "got 102" in text and "Social Worker in the FFE QHP network adequacy template" in text
        assert "037 is Emergency Medicine" in text and "NUCC taxonomy" in text
        assert "got 101" not in text
        assert project.conn.execute("SELECT count(*) FROM providers").fetchone()[0] == 0
        # With its NUCC taxonomy too (the HSD crosswalk credits pediatricians no MA line; that is no
        # contradiction of the QHP template's 101).
        rows[0]["taxonomy"] = "208000000X"
        import_roster(project, template_file(tmp_path / "q1.csv", rows[:1]))
        assert project.conn.execute("SELECT line_code, taxonomy_code FROM provider_lines").fetchall() == [
            ("PPC", "208000000X")
        ]

    ma = tmp_path / "m.bpproj"
    create_project(ma, "m", lob="ma", plan_year=2026, counties=[("48201", "TX")])
    with open_project(ma) as project:
        with pytest.raises(RosterRejected) as refused:
            import_roster(project, template_file(tmp_path / "m.csv", [dict(rows[0], taxonomy="")]))
        assert "got 101" in str(refused.value) and "Primary Care - Pediatric in the FFE QHP" in str(
            refused.value
        )
        assert project.conn.execute("SELECT count(*) FROM providers").fetchone()[0] == 0
