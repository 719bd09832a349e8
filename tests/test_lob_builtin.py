"""The built-in Medicaid and QHP rule tables (resources/rules/medicaid_*.csv, qhp_*.csv): they are exactly what
installers/derive_lob_rules.py derives from its transcription, every row cites a source, and a Medicaid project
gets its state's set without a user file, while a loaded set still wins and lines of business never mix."""

from __future__ import annotations

import csv
import functools
import importlib.util
import json
import math
import sys
from pathlib import Path

import pytest

from blueprint_desktop.cli import main
from blueprint_desktop.errors import BlueprintError, InputFileError
from blueprint_desktop.rules import lob_builtin
from blueprint_desktop.rules.lob import active_ruleset, import_ruleset
from blueprint_desktop.rules.standards import all_lines, standards_for_county
from blueprint_desktop.store import create_project, open_project

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "resources" / "rules"


@functools.cache
def _derive_module():
    spec = importlib.util.spec_from_file_location(
        "derive_lob_rules", ROOT / "installers" / "derive_lob_rules.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses resolve their annotations through sys.modules
    spec.loader.exec_module(module)
    return module


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(line for line in fh if not line.startswith("#")))


def _project(tmp_path: Path, lob: str, counties, plan_year: int = 2026, name: str = "p.bpproj") -> Path:
    path = tmp_path / name
    create_project(path, f"{lob} plan", lob=lob, plan_year=plan_year, counties=counties)
    return path


# -- the committed tables ------------------------------------------------------------------------------
def test_committed_tables_are_what_the_script_derives():
    derived = _derive_module().derive_all()
    committed = sorted(p.name for pattern in lob_builtin.PATTERNS for p in RULES.glob(pattern))
    assert sorted(derived) == committed
    for name, text in derived.items():
        assert (RULES / name).read_text(encoding="utf-8") == text, f"{name} differs: run derive_lob_rules.py"


def test_every_row_cites_a_source():
    module = _derive_module()
    for name in module.derive_all():
        rows = _rows(RULES / name)
        assert rows, name
        for row in rows:
            assert row["source"].strip() and row["source_url"].startswith("http"), (name, row)
            assert row["source_section"].strip() and row["source_vintage"].strip(), (name, row)
            assert row["verified"] in ("primary", "secondary"), (name, row)
    # Every source key used exists and every source is cited by some row.
    used = {r.source for rs in module.RULE_SETS for r in rs.rules}
    used |= {r.source for *_, rows in module.REQUIREMENT_TABLES for r in rows}
    used |= {u[5] for u in module.UNSCORED}
    assert used <= set(module.SOURCES)


def test_county_names_match_their_fips():
    from blueprint_desktop.geo.counties import load_counties

    counties = load_counties()
    for state in ("CA", "AZ"):
        for row in _rows(RULES / f"medicaid_{state}_2026.csv"):
            fips = [f for f in row["counties"].split(";") if f]
            names = [n for n in row["county_names"].split(";") if n]
            assert len(fips) == len(names)
            for f, n in zip(fips, names, strict=True):
                assert (counties.loc[f, "state"], counties.loc[f, "name"]) == (state, n)


def test_transcribed_values():
    ca = {(r["line_code"], r["counties"].split(";")[0]): r for r in _rows(RULES / "medicaid_CA_2026.csv")}
    # W&I 14197(b)(1), (b)(2): primary care 10 miles or 30 minutes; hospitals 15 miles or 30 minutes.
    assert (ca["S03", ""]["max_miles"], ca["S03", ""]["max_minutes"], ca["S03", ""]["combine"]) == (
        "10",
        "30",
        "or",
    )
    assert (ca["040", ""]["max_miles"], ca["040", ""]["max_minutes"]) == ("15", "30")
    # 14197(c)(1)(A) Los Angeles tier (first county Alameda): 15 miles or 30 minutes; (B) Marin tier: 30 / 60.
    assert (ca["008", "06001"]["max_miles"], ca["008", "06001"]["max_minutes"]) == ("15", "30")
    assert (ca["008", "06041"]["max_miles"], ca["008", "06041"]["max_minutes"]) == ("30", "60")
    pa = {(r["line_code"], r["county_type"]): r for r in _rows(RULES / "medicaid_PA_2026.csv")}
    # 28 Pa. Code 9.679(d): 90%; 20 miles or 30 minutes (MSA county), 45 miles or 60 minutes otherwise.
    assert (
        pa["S03", "Metro"]["max_miles"],
        pa["S03", "Metro"]["max_minutes"],
        pa["S03", "Metro"]["required_pct"],
    ) == (
        "20",
        "30",
        "90",
    )
    assert (pa["040", "Rural"]["max_miles"], pa["040", "Rural"]["max_minutes"]) == ("45", "60")
    mn = {r["line_code"]: r for r in _rows(RULES / "medicaid_MN_2026.csv")}
    # Minn. Stat. 62D.124 subd. 1: lesser of 30 miles or 30 minutes (primary care, mental health, general
    # hospital); subd. 2 (Minnesota Statutes 2002): lesser of 60 miles or 60 minutes (specialty physicians).
    for code in ("S03", "029", "036", "037", "040"):
        assert (mn[code]["max_miles"], mn[code]["max_minutes"], mn[code]["combine"]) == ("30", "30", "or")
    for code in ("008", "016", "019", "033"):
        assert (mn[code]["max_miles"], mn[code]["max_minutes"]) == ("60", "60")
    assert {r["county_type"] for r in mn.values()} == {"All"}
    assert mn["008"]["verified"] == "primary" and "62D.124 subd. 2" in mn["008"]["source_section"]
    mi = {(r["line_code"], r["county_type"]): r for r in _rows(RULES / "medicaid_MI_2026.csv")}
    # MDHHS FY25 CHCP table: primary care 10/5 (Large Metro) ... 70/60 (CEAC); hospital 110/100 CEAC;
    # oncology - radiation 145/130 CEAC; psychiatry 60/45 Micro.
    assert (mi["S03", "Large Metro"]["max_minutes"], mi["S03", "Large Metro"]["max_miles"]) == ("10", "5")
    assert (mi["S03", "CEAC"]["max_minutes"], mi["S03", "CEAC"]["max_miles"]) == ("70", "60")
    assert (mi["040", "CEAC"]["max_minutes"], mi["040", "CEAC"]["max_miles"]) == ("110", "100")
    assert (mi["022", "CEAC"]["max_minutes"], mi["022", "CEAC"]["max_miles"]) == ("145", "130")
    assert (mi["029", "Micro"]["max_minutes"], mi["029", "Micro"]["max_miles"]) == ("60", "45")
    assert mi["S03", "Metro"]["verified"] == "secondary" and mi["S03", "Metro"]["combine"] == "and"
    az = {(r["line_code"], r["counties"]): r for r in _rows(RULES / "medicaid_AZ_2026.csv")}
    # ACOM 436 III.A: 90% of membership; PCP 15 minutes or 10 miles (Maricopa, Pima), 40 or 30 elsewhere.
    assert (az["S03", "04013;04019"]["max_minutes"], az["S03", "04013;04019"]["max_miles"]) == ("15", "10")
    assert (az["S03", ""]["max_minutes"], az["S03", ""]["max_miles"], az["S03", ""]["required_pct"]) == (
        "40",
        "30",
        "90",
    )
    assert (az["016", ""]["max_minutes"], az["016", ""]["max_miles"]) == ("90", "75")
    qhp = {r["item"]: r for r in _rows(RULES / "qhp_ffe_2026_requirements.csv")}
    assert (
        qhp["ecp-overall"]["value"],
        qhp["awt-behavioral-health"]["value"],
        qhp["awt-specialty"]["value"],
    ) == (
        "35",
        "10",
        "30",
    )
    assert (
        sum(r["category"] == "ECP category" and r["item"] != "ecp-categories-count" for r in qhp.values())
        == 8
    )


def test_registry():
    keys = {s.key: s for s in lob_builtin.load_builtins()}
    assert {
        "medicaid-CA-2026",
        "medicaid-PA-2026",
        "medicaid-MN-2026",
        "medicaid-MI-2026",
        "medicaid-AZ-2026",
        "medicaid-GA-2026",
        "medicaid-federal-438.68",
        "qhp-ffe-2026",
        "qhp-ffe-td-2026",
    } <= set(keys)
    assert keys["medicaid-MN-2026"].scorable and keys["medicaid-MN-2026"].state == "MN"
    assert keys["medicaid-CA-2026"].scorable and keys["medicaid-CA-2026"].state == "CA"
    assert not keys["qhp-ffe-2026"].scorable  # requirements: wait times, ECPs
    assert [s.key for s in lob_builtin.builtin_sets("qhp", scorable=True)] == [
        "qhp-ffe-sadp-2026",
        "qhp-ffe-td-2026",
    ]
    # The stand-alone dental plan set is used only when chosen: a QHP project gets the medical table.
    assert [s.key for s in lob_builtin.builtin_sets("qhp", scorable=True) if s.auto] == ["qhp-ffe-td-2026"]
    assert keys["qhp-ffe-td-2026"].state is None  # national: the FFE table is not a state's
    with pytest.raises(BlueprintError, match="is not a built-in rule set"):
        lob_builtin.get_builtin("medicaid-ZZ-2026")


# -- a project gets its built-in set ---------------------------------------------------------------------
def test_medicaid_project_loads_its_state_without_a_user_file(tmp_path):
    path = _project(tmp_path, "medicaid", [("06037", "CA"), ("06019", "CA")])
    with open_project(path) as project:
        rs = active_ruleset(project, "medicaid")
        assert rs.builtin_key == "medicaid-CA-2026" and rs.id == 0
        la = standards_for_county(project, "06037")
        assert (
            la.lob == "medicaid" and la.designation == "Large Metro" and la.designation_source == "reference"
        )
        assert "built in: medicaid-CA-2026" in la.criteria_label
        assert (la.lines["S03"].max_minutes, la.lines["S03"].max_miles, la.lines["S03"].required_pct) == (
            30,
            10,
            100,
        )
        assert (la.lines["008"].max_minutes, la.lines["008"].max_miles) == (30, 15)
        assert any("leginfo.legislature.ca.gov" in n for n in la.notes)
        assert any("distance OR a time" in n for n in la.notes)
        # Fresno is in none of the specialist county lists read: only the statewide lines apply there.
        fresno = standards_for_county(project, "06019")
        assert sorted(fresno.lines) == ["016", "040", "PHA", "S03"]
        assert any("no standard in this county for 008" in n for n in fresno.notes)
        assert "008" in {ld.code for ld in all_lines("medicaid", project)}


def test_pennsylvania_maps_msa_to_county_type(tmp_path):
    # Philadelphia (Large Metro) and Forest County PA (CEAC in HSD26).
    path = _project(tmp_path, "medicaid", [("42101", "PA"), ("42053", "PA")])
    with open_project(path) as project:
        phl = standards_for_county(project, "42101")
        forest = standards_for_county(project, "42053")
        assert (phl.lines["S03"].max_minutes, phl.lines["S03"].max_miles, phl.lines["S03"].required_pct) == (
            30,
            20,
            90,
        )
        assert forest.designation in ("Rural", "CEAC", "Micro")
        assert (forest.lines["S03"].max_minutes, forest.lines["S03"].max_miles) == (60, 45)
        assert "28 Pa. Code" in phl.source


def test_minnesota_is_statewide(tmp_path):
    # Hennepin (Minneapolis) and Cook County MN: the same 62D.124 standard in every county type.
    path = _project(tmp_path, "medicaid", [("27053", "MN"), ("27031", "MN")])
    with open_project(path) as project:
        rs = active_ruleset(project, "medicaid")
        assert rs.builtin_key == "medicaid-MN-2026"
        for fips in ("27053", "27031"):
            st = standards_for_county(project, fips)
            assert (st.lines["S03"].max_minutes, st.lines["S03"].max_miles, st.lines["S03"].required_pct) == (
                30,
                30,
                100,
            )
            assert (st.lines["029"].max_minutes, st.lines["029"].max_miles) == (30, 30)
            assert (st.lines["008"].max_minutes, st.lines["008"].max_miles) == (60, 60)
            assert "62D.124" in st.source
            assert any("revisor.mn.gov" in n for n in st.notes)


def test_michigan_uses_the_cms_county_types(tmp_path):
    # Wayne and Keweenaw counties: each gets the standard of its own CMS county type.
    path = _project(tmp_path, "medicaid", [("26163", "MI"), ("26083", "MI")])
    with open_project(path) as project:
        assert active_ruleset(project, "medicaid").builtin_key == "medicaid-MI-2026"
        expect = {
            "Large Metro": (10, 5),
            "Metro": (15, 10),
            "Micro": (30, 20),
            "Rural": (40, 30),
            "CEAC": (70, 60),
        }
        for fips in ("26163", "26083"):
            st = standards_for_county(project, fips)
            assert (st.lines["S03"].max_minutes, st.lines["S03"].max_miles) == expect[st.designation]
            assert "MDHHS" in st.source
            # "*Must have minimum of 2 providers within the time/distance standards in the Large Metro and
            # Metro counties" (primary care, OB/GYN, hospital): two per enrollee there, one elsewhere.
            metro = st.designation in ("Large Metro", "Metro")
            for code, line in st.lines.items():
                assert line.providers_within == (2 if metro and code in ("S03", "016", "040") else 1), code


def test_arizona_maricopa_pima_and_all_others(tmp_path):
    path = _project(tmp_path, "medicaid", [("04013", "AZ"), ("04025", "AZ")])
    with open_project(path) as project:
        assert active_ruleset(project, "medicaid").builtin_key == "medicaid-AZ-2026"
        maricopa = standards_for_county(project, "04013")
        yavapai = standards_for_county(project, "04025")
        assert (maricopa.lines["S03"].max_minutes, maricopa.lines["S03"].max_miles) == (15, 10)
        assert (yavapai.lines["S03"].max_minutes, yavapai.lines["S03"].max_miles) == (40, 30)
        assert maricopa.lines["S03"].required_pct == 90 and sorted(yavapai.lines) == [
            "008",
            "016",
            "PHA",
            "S03",
        ]


def test_user_loaded_set_wins_over_the_built_in(tmp_path):
    path = _project(tmp_path, "medicaid", [("06037", "CA")])
    f = tmp_path / "mine.csv"
    f.write_text(
        "# my plan's contract standards\n"
        "line_code,line_name,kind,county_type,max_minutes,max_miles,required_pct,source\n"
        "S03,Primary care,provider,All,20,8,95,Our state contract 2026 exhibit 4\n"
    )
    with open_project(path) as project:
        rs = import_ruleset(project, f, "medicaid")
        assert rs.builtin_key is None and rs.file_name == "mine.csv"
        st = standards_for_county(project, "06037")
        assert sorted(st.lines) == ["S03"] and st.lines["S03"].max_minutes == 20
        assert any("Our state contract 2026 exhibit 4" in n for n in st.notes)
        assert "loaded from mine.csv" in st.criteria_label


def test_user_files_cannot_name_counties(tmp_path):
    path = _project(tmp_path, "medicaid", [("06037", "CA")])
    f = tmp_path / "counties.csv"
    f.write_text(
        "line_code,line_name,kind,county_type,max_minutes,max_miles,required_pct,counties\n"
        "008,Cardiology,provider,All,30,15,100,06037\n"
    )
    with open_project(path) as project, pytest.raises(InputFileError, match="built-in rule sets only"):
        import_ruleset(project, f, "medicaid")


def test_a_built_in_table_without_county_rows_loads_as_a_user_file(tmp_path):
    path = _project(tmp_path, "medicaid", [("42101", "PA")])
    with open_project(path) as project:
        rs = import_ruleset(project, RULES / "medicaid_PA_2026.csv", "medicaid")
        assert len(rs.lines) == 14 and rs.plan_year == 2026
        st = standards_for_county(project, "42101")
        assert st.lines["S03"].max_miles == 20 and any("28 Pa. Code" in n for n in st.notes)


# -- never mixed ------------------------------------------------------------------------------------------
def test_lines_of_business_and_states_never_mix(tmp_path, project):
    # An MA project refuses a built-in Medicaid set; its own standards stay CMS's.
    with pytest.raises(BlueprintError, match="MA project; the built-in MEDICAID rule set"):
        lob_builtin.set_project_builtin(project, "medicaid-CA-2026")
    # A QHP project refuses a Medicaid set and gets the FFE table; an MA project refuses the FFE table.
    qhp = _project(tmp_path, "qhp", [("48201", "TX")], name="qhp.bpproj")
    with pytest.raises(BlueprintError, match="MA project; the built-in QHP rule set"):
        lob_builtin.set_project_builtin(project, "qhp-ffe-td-2026")
    with open_project(qhp) as p:
        with pytest.raises(BlueprintError, match="QHP project; the built-in MEDICAID"):
            lob_builtin.set_project_builtin(p, "medicaid-PA-2026")
        assert standards_for_county(p, "48201").lob == "qhp"
        with pytest.raises(BlueprintError, match="holds requirements"):
            lob_builtin.check_fits(p, lob_builtin.get_builtin("qhp-ffe-2026"))
    # A Medicaid project in Texas: no built-in Texas set (the existing refusal still names the import).
    tx = _project(tmp_path, "medicaid", [("48201", "TX")], name="tx.bpproj")
    with open_project(tx) as p:
        with pytest.raises(
            BlueprintError, match="no MEDICAID rule set is loaded.*no built-in Medicaid standards for TX"
        ):
            standards_for_county(p, "48201")
        with pytest.raises(BlueprintError, match="holds CA standards only"):
            lob_builtin.set_project_builtin(p, "medicaid-CA-2026")
    # Two states in one Medicaid project: no automatic choice, and no one state's set for both.
    two = _project(tmp_path, "medicaid", [("06037", "CA"), ("42101", "PA")], name="two.bpproj")
    with open_project(two) as p:
        with pytest.raises(BlueprintError, match="spans CA, PA"):
            active_ruleset(p, "medicaid")
        with pytest.raises(BlueprintError, match="includes counties in PA"):
            lob_builtin.set_project_builtin(p, "medicaid-CA-2026")


def test_georgia_urban_and_rural_with_two_obstetric_providers(tmp_path):
    # Fulton (Atlanta, Large Metro: urban) and Atkinson County GA (rural in CMS's designation).
    path = _project(tmp_path, "medicaid", [("13121", "GA"), ("13003", "GA")])
    with open_project(path) as project:
        assert active_ruleset(project, "medicaid").builtin_key == "medicaid-GA-2026"
        fulton, atkinson = standards_for_county(project, "13121"), standards_for_county(project, "13003")
        assert fulton.designation == "Large Metro" and atkinson.designation in ("Micro", "Rural", "CEAC")
        for st, limit in ((fulton, 30), (atkinson, 45)):
            for code in ("008", "040", "029", "068", "049"):
                line = st.lines[code]
                assert (line.max_minutes, line.max_miles, line.required_pct) == (limit, limit, 90), code
            # "Two (2) within" for obstetric providers: scored on the second-nearest distinct provider. Every
            # other line asks for one. Primary care (two within a distance and no time) is not built in.
            ob = st.lines["016"]
            assert (ob.max_minutes, ob.max_miles, ob.required_pct, ob.providers_within) == (
                limit,
                limit,
                90,
                2,
            )
            assert {
                line.providers_within for c, line in st.lines.items() if c not in ("016", "S03", "PPC")
            } == {1}
            # PCPs: "Two (2) within eight (8) miles" (fifteen rural), a distance and no time.
            pcp = st.lines["S03"]
            assert (pcp.max_minutes, pcp.max_miles, pcp.providers_within) == (
                math.inf,
                8 if limit == 30 else 15,
                2,
            )
            # Pediatricians (no HSD code: Blueprint's PPC): two within the same distances, no time.
            ped = st.lines["PPC"]
            assert (ped.max_minutes, ped.max_miles, ped.providers_within) == (math.inf, pcp.max_miles, 2)
            # General dental providers (DEN): 30 or 45, as the specialists.
            assert (
                st.lines["DEN"].max_minutes,
                st.lines["DEN"].max_miles,
                st.lines["DEN"].providers_within,
            ) == (
                limit,
                limit,
                1,
            )
            assert any("TWO distinct providers" in n for n in st.notes)
        unscored = [r for r in _rows(RULES / "medicaid_unscored_2026.csv") if r["state"] == "GA"]
        assert [r["standard"].split(" (")[0] for r in unscored] == [
            "Pharmacies, 24 hours a day, 7 days a week"
        ]
        assert (st.lines["VIS"].max_minutes, st.lines["VIS"].max_miles) == (limit, limit)  # vision providers
        assert (st.lines["DSS"].max_minutes, st.lines["DSS"].max_miles) == (
            limit,
            limit,
        )  # dental subspecialists
        assert not any(r["standard"].startswith(("PCPs", "Pediatricians")) for r in unscored)


# The FFE QHP table (Letter to Issuers, as Michigan DIFS reproduces it), by the five CMS county types.
QHP_PRIMARY_CARE = {
    "Large Metro": (10, 5),
    "Metro": (15, 10),
    "Micro": (30, 20),
    "Rural": (40, 30),
    "CEAC": (70, 60),
}


def test_qhp_project_loads_the_ffe_table_without_a_user_file(tmp_path):
    # Harris County TX (Large Metro) and Loving County TX (CEAC): an FFE state, any county type.
    path = _project(tmp_path, "qhp", [("48201", "TX"), ("48301", "TX")])
    with open_project(path) as project:
        rs = active_ruleset(project, "qhp")
        assert rs.builtin_key == "qhp-ffe-td-2026" and rs.chosen_because.startswith("automatic")
        for fips in ("48201", "48301"):
            st = standards_for_county(project, fips)
            want = QHP_PRIMARY_CARE[st.designation]
            for code in ("S03", "016", "036", "037", "068"):  # OB/GYN and outpatient BH at primary care's
                line = st.lines[code]
                assert (line.max_minutes, line.max_miles, line.required_pct) == (*want, 90), (fips, code)
            assert "Letter to Issuers" in st.criteria_label and any("DIFS" in n for n in st.notes)
        assert standards_for_county(project, "48201").designation == "Large Metro"
        assert standards_for_county(project, "48301").lines["052"].max_minutes == 155  # CEAC
        # 43 HSD lines and the Letter's four types with no HSD code, under Blueprint's own codes.
        assert len(rs.lines) == 47
        harris = standards_for_county(project, "48201")
        assert {
            c: (harris.lines[c].max_minutes, harris.lines[c].max_miles) for c in ("DEN", "EMD", "PPC", "URG")
        } == {
            "DEN": (30, 15),
            "EMD": (20, 10),
            "PPC": (10, 5),
            "URG": (20, 10),
        }
        assert harris.lines["URG"].kind == "facility" and harris.lines["PPC"].kind == "provider"


def test_qhp_table_equals_the_ma_table_where_the_letter_follows_ma():
    """The Letter's specialty lists follow MA's (CMS QHP NA FAQ): every row shared with MA must equal our MA
    2026 table, except the rows the Letter holds to the primary care standard. A transcription slip in either
    table fails here."""
    qhp = _rows(RULES / "qhp_ffe_td_2026.csv")
    ma = {}
    with (RULES / "ma_standards_2026.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(line for line in fh if not line.startswith("#")):
            if r["max_minutes"]:
                ma[(r["code"], r["designation"])] = (float(r["max_minutes"]), float(r["max_miles"]))
    differs = set()
    for r in qhp:
        if r["line_code"].isalpha():
            continue  # no HSD code, so no MA row (test_qhp_project_loads_the_ffe_table_without_a_user_file)
        key = (r["line_code"], r["county_type"])
        got = (float(r["max_minutes"]), float(r["max_miles"]))
        assert key in ma, key
        if got != ma[key]:
            differs.add(r["line_code"])
            assert got == QHP_PRIMARY_CARE[r["county_type"]], key
        assert r["required_pct"] == "90" and r["verified"] == "secondary" and "DIFS" in r["source"]
    assert differs == {"016", "036", "037", "068"}
    # Nothing of the Letter's table is left unscored: its four types with no HSD code are lines now.
    assert not [r for r in _rows(RULES / "qhp_ffe_2026_requirements.csv") if r["item"].startswith("td-")]
    assert {r["line_code"] for r in qhp if r["line_code"].isalpha()} == {"DEN", "EMD", "PPC", "URG"}


def test_plan_year_before_a_set_gets_none(tmp_path):
    path = _project(tmp_path, "medicaid", [("06037", "CA")], plan_year=2017)
    with open_project(path) as project, pytest.raises(BlueprintError, match="start with plan year 2018"):
        active_ruleset(project, "medicaid")


# -- the command line --------------------------------------------------------------------------------------
def test_cli_lists_shows_and_chooses(tmp_path, capsys):
    assert main(["ruleset", "--list"]) == 0
    out = capsys.readouterr().out
    assert "medicaid-CA-2026" in out and "qhp-ffe-2026" in out and "requirements" in out
    assert main(["ruleset", "--show", "qhp-ffe-2026"]) == 0
    out = capsys.readouterr().out
    assert "qhpcertification.cms.gov" in out and "ecp-overall" in out
    # Every scored built-in table prints row by row (Georgia's PCPs: a distance, no time, two providers).
    for key in [s.key for s in lob_builtin.load_builtins() if s.kind == "ruleset"]:
        assert main(["ruleset", "--show", key]) == 0, key
        out = capsys.readouterr().out
        assert out.count("source:") >= 5, key
    assert main(["ruleset", "--show", "medicaid-GA-2026"]) == 0
    assert "Urban: 8 mi (no time limit), 90%, two providers" not in (out := capsys.readouterr().out)
    assert "Large Metro: 8 mi (no time limit), 90%, two providers" in out
    path = _project(tmp_path, "medicaid", [("06037", "CA")])
    assert main(["ruleset", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["builtin_key"] == "medicaid-CA-2026" and data["chosen_because"].startswith("automatic")
    assert main(["ruleset", str(path), "--use", "medicaid-CA-2026"]) == 0
    assert "built-in rule set medicaid-CA-2026" in capsys.readouterr().out
    with open_project(path, read_only=True) as project:
        assert lob_builtin.chosen_key(project) == "medicaid-CA-2026"
        assert active_ruleset(project, "medicaid").chosen_because.startswith("chosen for this project")
    assert main(["ruleset", str(path), "--use", "medicaid-PA-2026"]) == 2  # refused: PA set, CA project
    assert "holds PA standards only" in capsys.readouterr().err
    assert main(["ruleset", str(path), "--use", "auto"]) == 0
    capsys.readouterr()
    assert main(["standards", str(path)]) == 0
    out = capsys.readouterr().out
    assert "built in: medicaid-CA-2026" in out and "source (primary)" in out
    assert main(["standards", str(path), "--county", "06037", "--json"]) == 0
    st = json.loads(capsys.readouterr().out)
    assert "medicaid-CA-2026" in st["criteria_label"]


def test_cli_loads_keeps_and_removes_rule_set_files(tmp_path, capsys):
    """A second file wins without erasing the first; --remove-loaded is the undo; each change makes earlier
    results out of date (the audit entries run_freshness reads)."""
    from blueprint_desktop.engine.run_freshness import changes_since_last_run

    path = _project(tmp_path, "medicaid", [("06037", "CA")])
    head = "line_code,line_name,kind,county_type,max_minutes,max_miles,required_pct\n"
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    one.write_text(head + "S03,Primary care,provider,All,30,30,90\n")
    two.write_text(head + "S03,Primary care,provider,All,20,20,90\n")
    assert main(["import", "ruleset", str(path), str(one), "--lob", "medicaid"]) == 0
    assert main(["import", "ruleset", str(path), str(two), "--lob", "medicaid"]) == 0
    assert "undo: blueprint ruleset" in capsys.readouterr().out
    with open_project(path, read_only=True) as project:
        assert active_ruleset(project, "medicaid").file_name == "two.csv"
    assert main(["ruleset", str(path), "--remove-loaded"]) == 0
    out = capsys.readouterr().out
    assert (
        "now in force: one (loaded from one.csv)" in out and "medicaid-CA-2026" in out
    )  # the options listed
    assert main(["ruleset", str(path), "--remove-loaded"]) == 0
    assert "now in force: Medi-Cal" in capsys.readouterr().out
    assert main(["ruleset", str(path), "--remove-loaded"]) == 2
    assert "no rule set file is loaded" in capsys.readouterr().err
    with open_project(path) as project:
        assert active_ruleset(project, "medicaid").builtin_key == "medicaid-CA-2026"
        project.audit("score.run", "scoring_runs", 1, {})
        assert not changes_since_last_run(project)
        lob_builtin.set_project_builtin(project, "medicaid-CA-2026")
        assert [c["action"] for c in changes_since_last_run(project)] == ["ruleset.builtin.use"]


def test_cli_new_says_which_standards_apply(tmp_path, capsys):
    assert main(["new", str(tmp_path / "pa.bpproj"), "--name", "PA", "--states", "PA", "--counties", "42101",
                 "--lob", "medicaid", "--plan-year", "2026"]) == 0  # fmt: skip
    assert "standards: Pennsylvania managed care plan access standards" in capsys.readouterr().out
    assert main(["new", str(tmp_path / "q.bpproj"), "--name", "Q", "--states", "TX", "--counties", "48201",
                 "--lob", "qhp", "--plan-year", "2026"]) == 0  # fmt: skip
    assert "standards: FFE QHP time and distance standards" in capsys.readouterr().out
