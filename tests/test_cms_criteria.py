"""The built-in CMS criteria: the committed tables reproduce the CMS 2026 HSD Reference File, a new project
uses them with no file loaded, and the plan year decides which criteria apply.

Expected values are read off the CMS workbook (ma_reference_file_12-17-2025.xlsx, "2026" criteria): its
Minimum Provider/Facility #s, Provider/Facility Time & Distance and Certificate of Need tabs."""

from __future__ import annotations

from pathlib import Path

import pytest

from blueprint_desktop.errors import InputFileError
from blueprint_desktop.progress import Progress
from blueprint_desktop.rules import cms_criteria
from blueprint_desktop.rules.reference_file import _parse_xlsx, import_reference_file
from blueprint_desktop.rules.standards import load_base_table, standards_for_county
from blueprint_desktop.store import create_project, open_project

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "data" / "ma_reference_file_12-17-2025.xlsx"
needs_workbook = pytest.mark.skipif(not REFERENCE.is_file(), reason="../shared/data holds no CMS workbook")


@pytest.fixture(scope="module")
def workbook():
    return _parse_xlsx(REFERENCE, Progress())


@needs_workbook
def test_tables_reproduce_every_criterion_of_the_workbook(workbook):
    """All 140,266 county x line criteria (time, distance, minimum) and all 15,223 CON rows."""
    data = cms_criteria.load_builtin()
    assert set(data.counties) == set(workbook.counties) and len(data.counties) == 3262
    lines = [line.code for line in load_base_table().lines]
    checked = 0
    for ssa, county in workbook.counties.items():
        ours = data.counties[ssa]
        assert (ours.designation, ours.total_beneficiaries, ours.beneficiaries_required) == (
            county.designation,
            county.total_beneficiaries,
            county.beneficiaries_required,
        ), ssa
        built = cms_criteria.builtin_criteria_for(ssa)
        for code in lines:
            crit = county.criteria[code]
            assert built[code] == (crit["max_minutes"], crit["max_miles"], crit["min_count"]), (ssa, code)
            checked += 1
    assert checked == 140266
    con = {(s, c, bool(f)) for s, c, f in workbook.con}
    ours_con = {(s, c, f) for s, by_line in data.con.items() for c, f in by_line.items()}
    assert len(workbook.con) == 15223 and ours_con == con


@needs_workbook
def test_derive_script_writes_the_committed_tables(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "derive", Path(__file__).resolve().parents[1] / "installers" / "derive_cms_criteria.py"
    )
    derive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(derive)
    summary = derive.derive(REFERENCE, tmp_path)
    assert summary["customized_cells"] == 7557 and summary["min_count_overrides"] == 0
    assert summary["unmatched_counties"] == 0
    for name in ("cms_hsd_2026_counties.csv", "cms_hsd_2026_customized.csv", "cms_hsd_2026_con.csv"):
        committed = (cms_criteria.RULES_DIR / name).read_text(encoding="utf-8")
        assert (tmp_path / name).read_text(encoding="utf-8") == committed, name


def _project(tmp_path, plan_year=None, counties=(("48471", "TX"), ("48473", "TX"), ("01001", "AL"))):
    path = tmp_path / "p.bpproj"
    create_project(path, "p", lob="ma", plan_year=plan_year, counties=list(counties))
    return path


def test_a_new_project_gets_cms_designations_with_no_file(tmp_path):
    """Walker (SSA 45949) and Waller (45950) are Metro in the CMS file (our computed designation says
    Micro); Autauga AL (01000) keeps its customised primary care of 25 min / 15 mi."""
    with open_project(_project(tmp_path), read_only=True) as project:  # default plan year (next year)
        assert project.plan_year >= cms_criteria.BUILTIN_YEAR
        for fips, ssa in (("48471", "45949"), ("48473", "45950"), ("01001", "01000")):
            std = standards_for_county(project, fips)
            assert (std.designation, std.designation_source, std.ssa_code) == ("Metro", "reference", ssa)
            assert std.criteria_label == "CMS HSD Reference File 2026 (built in)"
        autauga = standards_for_county(project, "01001")
        s03 = autauga.lines["S03"]
        assert (s03.max_minutes, s03.max_miles, s03.customized) == (25, 15, True)
        # Autauga 040 is on the CON tab with T/D customised N: the CON credit applies.
        assert autauga.lines["040"].con_credit and not autauga.lines["040"].con_customized
        assert autauga.lines["S03"].min_count == 3 and autauga.lines["040"].min_count == 16
        # Telehealth credit: Cardiology is on the (d)(5) list; Clinical Psychology too (CMS-4201-F1);
        # Outpatient Behavioral Health is not granted (no CMS text we hold lists it).
        assert autauga.lines["008"].telehealth_credit and autauga.lines["036"].telehealth_credit
        assert not autauga.lines["068"].telehealth_credit


def test_chugach_and_copper_river_have_their_own_criteria(tmp_path):
    with open_project(_project(tmp_path, counties=[("02063", "AK"), ("02066", "AK")]), read_only=True) as p:
        chugach, copper = standards_for_county(p, "02063"), standards_for_county(p, "02066")
        assert (chugach.ssa_code, chugach.total_beneficiaries) == ("02063", 991)
        assert (copper.ssa_code, copper.total_beneficiaries) == ("02066", 656)


def test_territories_use_their_cms_rows():
    """St. John-Thomas VI (SSA 48020) covers St. John 78020 and St. Thomas 78030; Guam's villages share
    66010 and the largest (Dededo 65070, Metro) applies; Tualauta AS is in Western District 60050."""
    for fips in ("78020", "78030"):
        std = standards_for_county(None, fips)
        assert (std.ssa_code, std.designation) == ("48020", "Micro")
    guam = standards_for_county(None, "66010")
    assert (guam.ssa_code, guam.designation) == ("65070", "Metro") and "65010" in guam.notes[0]


def test_plan_year_before_every_set_is_computed_and_says_so(tmp_path):
    with open_project(_project(tmp_path, plan_year=2025), read_only=True) as project:
        walker = standards_for_county(project, "48471")
        assert walker.designation_source == "computed" and walker.criteria_year is None
        assert "no CMS HSD Reference File at or before plan year 2025" in walker.notes[0]


@needs_workbook
def test_loading_the_2026_workbook_changes_nothing_it_should_not(tmp_path):
    counties = [
        ("48471", "TX"),
        ("01001", "AL"),
        ("48201", "TX"),
        ("06037", "CA"),
        ("02063", "AK"),
        ("78030", "VI"),
    ]
    path = _project(tmp_path, plan_year=2027, counties=counties)
    with open_project(path) as project:
        before = {f: standards_for_county(project, f).as_dict() for f, _ in counties}
        result = import_reference_file(project, REFERENCE)
        assert result.plan_year == 2026
        after = {f: standards_for_county(project, f).as_dict() for f, _ in counties}
    for fips, _ in counties:
        b, a = before[fips], after[fips]
        assert a["criteria_label"].startswith(
            "CMS HSD Reference File 2026 (ma_reference_file_12-17-2025.xlsx"
        )
        for key in ("criteria_label", "source", "reference_vintage"):
            b.pop(key), a.pop(key)
        assert a == b, fips


@needs_workbook
def test_a_file_that_cannot_apply_is_refused(tmp_path):
    # Criteria for 2026 cannot serve a 2025 project: refused, never accepted and then ignored.
    with open_project(_project(tmp_path, plan_year=2025)) as project:
        with pytest.raises(InputFileError, match="after this project's plan year 2025"):
            import_reference_file(project, REFERENCE)
        assert project.conn.execute("SELECT count(*) FROM reference_files").fetchone()[0] == 0


def test_an_older_csv_than_the_built_in_set_is_refused(tmp_path):
    csv_file = tmp_path / "ref2025.csv"
    csv_file.write_text(
        "ssa_code,state,county,county_designation,line_code,max_minutes,max_miles,min_count,plan_year\n"
        "45949,TX,Walker,Micro,S03,30,20,3,2025\n"
    )
    with open_project(_project(tmp_path, plan_year=2027)) as project:
        with pytest.raises(InputFileError, match="older than the CMS HSD Reference File 2026 \\(built in\\)"):
            import_reference_file(project, csv_file)
        assert project.conn.execute("SELECT count(*) FROM reference_files").fetchone()[0] == 0


NBER_SSA = REFERENCE.parent / "real" / "ssa" / "nber_ssa_fips_state_county2017.csv"


@pytest.mark.skipif(not NBER_SSA.is_file(), reason="../shared/data holds no NBER SSA-FIPS crosswalk")
def test_county_fips_agree_with_the_nber_ssa_crosswalk():
    """The committed table's FIPS come from matching CMS's county names to Census (rules/county_match.py);
    NBER's 2017 SSA-to-FIPS crosswalk is a second, independent key. They agree on every SSA code both hold,
    except the two counties Census recoded in 2015, where ours is the current code."""
    import csv

    with NBER_SSA.open(encoding="utf-8") as fh:
        nber = {r["ssacounty"]: r["fipscounty"] for r in csv.DictReader(fh) if r["county"] != "STATEWIDE"}
    ours = {s: c.county_fips for s, c in cms_criteria.load_builtin().counties.items()}
    renamed = {"02270": ("02158", "02270"), "43560": ("46102", "46113")}  # Kusilvak; Oglala Lakota
    shared = set(ours) & set(nber)
    assert len(shared) == 3219
    differ = {s: (ours[s][0], nber[s]) for s in shared if ours[s] != (nber[s],)}
    assert differ == renamed
    # CMS rows NBER lacks: Alaska's 2019 split, Kalawao (CMS 12030, NBER 12005) and the island areas
    # below county level, which NBER does not list.
    only_ours = set(ours) - set(nber)
    assert {s for s in only_ours if s[:2] not in ("48", "63", "64", "65")} == {"02063", "02066", "12030"}
    assert ours["12030"] == (nber["12005"],)
    assert set(nber) - set(ours) == {"02261", "12005"}  # Valdez-Cordova before its split; Kalawao
