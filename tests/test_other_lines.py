"""Lines with no CMS HSD code (resources/rules/other_lines.csv): pediatricians, general dentists, emergency
medicine, urgent care and retail pharmacy. A Medicaid or QHP project credits them from NUCC taxonomies (roster,
NPPES market, benchmark files) and scores them under its rule set; an MA project never sees them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from roster_files import template_file, template_row

from blueprint_desktop.data.benchmark_store import lines_for_taxonomies
from blueprint_desktop.data.npi import npi_with_check_digit as npi
from blueprint_desktop.data.nppes_import import relevant_taxonomies
from blueprint_desktop.data.roster_import import import_roster
from blueprint_desktop.data.roster_validate import code_kind
from blueprint_desktop.engine.scoring import score_project
from blueprint_desktop.rules import lob_builtin
from blueprint_desktop.rules.crosswalk import hsd_codes_for_taxonomy, load_nucc_codes
from blueprint_desktop.rules.lob import known_line_codes
from blueprint_desktop.rules.other_lines import (
    OTHER_LINES_FILE,
    load_other_lines,
    other_lines_for_taxonomy,
    pooled_lines,
    qhp_template_line,
)
from blueprint_desktop.rules.qhp_template_codes import QHP_ONLY_CODES
from blueprint_desktop.rules.standards import standards_for_county
from blueprint_desktop.store import create_project, open_project

NUCC_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "nucc" / "nucc_taxonomy_251.csv"

# One Houston provider of each kind, by NUCC taxonomy only (no HSD code): what each credits in a QHP project.
KIDS, TEETH, ER, URGENT, DRUGS, HEART = (npi(f"7000000{i}0") for i in range(1, 7))
ROWS = (
    (KIDS, "Dr. Kids", "208000000X", "PPC"),
    (TEETH, "Dr. Teeth", "1223G0001X", "DEN"),
    (ER, "Dr. Emergency", "207P00000X", "EMD"),
    (URGENT, "Quick Care Clinic", "261QU0200X", "URG"),
    (DRUGS, "Corner Pharmacy", "3336C0003X", "PHA"),
    (HEART, "Dr. Heart", "207RC0000X", "008"),
)


def _roster(tmp_path: Path) -> Path:
    rows = [
        template_row(n, name, specialty_code="", taxonomy=tax, entity_type="individual")
        for n, name, tax, _ in ROWS
    ]
    return template_file(tmp_path / "roster.csv", rows)


def _lines(project) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for n, code in project.conn.execute(
        "SELECT p.npi, pl.line_code FROM provider_lines pl JOIN providers p ON p.id = pl.provider_id"
    ):
        out.setdefault(n, set()).add(code)
    return out


# -- the table ------------------------------------------------------------------------------------------------
def test_every_taxonomy_is_a_nucc_code_named_in_the_note_and_credits_no_ma_line():
    nucc = load_nucc_codes()
    lines = load_other_lines()
    want = "ANE DEN DSS EMD END OMS ORT PDN PER PHA PPC PRS URG VIS"
    assert sorted(lines) == want.split()
    assert lines["DSS"].taxonomies == ()  # only the six dental specialist lines count for it, where pooled
    for line in lines.values():
        assert line.code.isalpha() and line.kind in ("provider", "facility")
        for t in line.taxonomies:
            assert t in nucc, t
            # These lines exist because the HSD list has no code for them: no taxonomy of theirs may credit
            # an MA line, or an MA project would change.
            assert hsd_codes_for_taxonomy(t, include_conditional=True) == [], t
        # The note names the NUCC classifications in order (a mistyped code names another type).
        assert all(nucc[t].classification in line.note for t in line.taxonomies), line.code
    assert lines["URG"].kind == lines["PHA"].kind == "facility"
    # An HSD facility table import keeps a provider's other kind of lines by this (roster_import.py).
    assert (
        code_kind("URG") == code_kind("PHA") == code_kind("040") == "facility"
        and code_kind("PPC") == "provider"
    )
    assert all(nucc[t].section == "Non-Individual" for t in lines["URG"].taxonomies + lines["PHA"].taxonomies)
    assert all(nucc[t].section == "Individual" for c in ("PPC", "DEN", "EMD") for t in lines[c].taxonomies)


@pytest.mark.skipif(not NUCC_CSV.is_file(), reason="the NUCC v25.1 CSV is not in ../shared/data")
def test_the_taxonomies_against_nuccs_own_file():
    with NUCC_CSV.open(encoding="utf-8-sig", newline="") as fh:
        published = {r["Code"].strip(): r for r in csv.DictReader(fh)}
    for line in load_other_lines().values():
        for t in line.taxonomies:
            assert t in published, t
    # Pharmacy is a retail pharmacy a member walks into: every other NUCC pharmacy specialization is left out.
    pharmacies = {c for c, r in published.items() if r["Classification"].strip() == "Pharmacy"}
    assert set(load_other_lines()["PHA"].taxonomies) == {"333600000X", "3336C0003X"} < pharmacies


def test_qhp_template_codes_name_the_same_types():
    for line in load_other_lines().values():
        if line.qhp_template_code:
            template_name = QHP_ONLY_CODES[line.qhp_template_code]
            assert template_name.split(" - ")[0].split()[0] in line.name, (line.code, template_name)
    assert qhp_template_line("101", "qhp") == "PPC" and qhp_template_line("101", "ma") is None
    assert qhp_template_line("102", "qhp") is None  # Social Worker: no line


def test_an_ma_project_never_credits_them():
    assert other_lines_for_taxonomy("208000000X", "ma") == []
    assert other_lines_for_taxonomy("208000000X", "medicaid") == ["PPC"]
    assert "261QU0200X" not in relevant_taxonomies("ma") and relevant_taxonomies("qhp")["261QU0200X"] == [
        "URG"
    ]
    assert relevant_taxonomies("qhp")["207RC0000X"] == relevant_taxonomies("ma")["207RC0000X"] == ["008"]
    assert lines_for_taxonomies(["1223G0001X"], "ma") == {}
    assert lines_for_taxonomies(["1223G0001X", "207RC0000X"], "qhp") == {
        "008": "207RC0000X",
        "DEN": "1223G0001X",
    }


def test_every_built_in_rule_set_uses_known_lines_with_the_tables_kind():
    known, other = known_line_codes(), load_other_lines()
    for s in lob_builtin.builtin_sets(scorable=True):
        for r in s.rows:
            assert r["line_code"] in known, (s.key, r["line_code"])
            if r["line_code"] in other:
                assert r["kind"] == other[r["line_code"]].kind, (s.key, r["line_code"])


# -- import and score -----------------------------------------------------------------------------------------
def test_a_qhp_roster_credits_them_and_an_ma_roster_does_not(tmp_path):
    qhp, ma = tmp_path / "q.bpproj", tmp_path / "m.bpproj"
    create_project(qhp, "q", lob="qhp", plan_year=2026, counties=[("48201", "TX")])
    create_project(ma, "m", lob="ma", plan_year=2026, counties=[("48201", "TX")])
    roster = _roster(tmp_path)
    with open_project(qhp) as project:
        result = import_roster(project, roster)
        assert _lines(project) == {n: {code} for n, _, _, code in ROWS}
        assert not [w for w in result.warnings if "credits no line" in str(w)]
    with open_project(ma) as project:
        result = import_roster(project, roster)
        # MA: only the cardiologist credits a line; the five others are imported and warned, as before.
        assert _lines(project) == {HEART: {"008"}}
        assert project.conn.execute("SELECT count(*) FROM providers").fetchone()[0] == len(ROWS)
        assert sum("credits no line" in str(w) for w in result.warnings) == 5


def test_a_qhp_project_scores_the_letters_four_types(tmp_path):
    path = tmp_path / "q.bpproj"
    create_project(path, "q", lob="qhp", plan_year=2026, counties=[("48201", "TX")])
    with open_project(path) as project:
        import_roster(project, _roster(tmp_path))
        run = score_project(project, "straight")
        got = {r.line_code: r for r in run.results if r.county_fips == "48201"}
        # The Letter's types with no HSD code are scored like any line: one office in Houston cannot cover
        # Harris County within 10 or 20 minutes, so each fails on its share with its own standard's words.
        for code, limits in (("PPC", "10 min and 5 mi"), ("DEN", "30 min and 15 mi"), ("EMD", "20 min and 10 mi"),
                             ("URG", "20 min and 10 mi")):  # fmt: skip
            r = got[code]
            assert r.pct_within is not None and 0 < r.pct_within < 90, code
            assert r.status == "Failing" and limits in " ".join(r.reasons), (code, r.reasons)
            # The rule's own word for whom the share is of: a QHP's enrollees, not MA's beneficiaries.
            assert "% of enrollees live within" in " ".join(r.reasons) and "beneficiar" not in " ".join(
                r.reasons
            )
        assert "PHA" not in got  # the federal table has no pharmacy standard
        # The chart of a cell: the share is final (a QHP standard has no telehealth credit to come).
        from blueprint_desktop.engine.cell_detail import nearest_distribution

        dist = nearest_distribution(project, "48201", "PPC")
        assert not dist.credits_apply and dist.population == "under-65 population"
        assert abs(dist.share_within() - got["PPC"].pct_within) < 0.01
        # A line with no provider at all is failing too, and says so.
        assert got["S03"].status == "Failing" and got["S03"].pct_within == 0


# -- pediatricians are primary care in a Medicaid set with one primary care line -------------------------------
def _pediatrician_project(tmp_path: Path, lob: str, county: tuple[str, str]) -> Path:
    path = tmp_path / f"{lob}-{county[0]}.bpproj"
    create_project(path, lob, lob=lob, plan_year=2026, counties=[county])
    row = template_row(
        KIDS, "Dr. Kids", specialty_code="", taxonomy="208000000X", entity_type="individual",
        address="1 Main St", city="Town", state=county[1], zip=ZIPS[county[0]],
    )  # fmt: skip
    with open_project(path) as project:
        import_roster(project, template_file(tmp_path / f"{lob}-{county[0]}.csv", [row]))
    return path


ZIPS = {"06037": "90012", "13121": "30303", "48201": "77030"}


def test_pediatricians_count_for_medicaid_primary_care_unless_the_set_scores_them_apart(tmp_path):
    # California (Los Angeles): "Primary care, adult and pediatric", no line of its own for pediatricians.
    with open_project(_pediatrician_project(tmp_path, "medicaid", ("06037", "CA"))) as project:
        got = {r.line_code: r for r in score_project(project, "straight").results}
        assert got["S03"].credited_count == 1 and got["S03"].pct_within > 0
        assert "PPC" not in got
        notes = " ".join(standards_for_county(project, "06037").notes)
        assert "S03 also counts the providers of PPC" in notes and "438.68(b)(1)(i)" in notes
    # Georgia: PCPs "not including" pediatricians, who have their own line: counted there only.
    with open_project(_pediatrician_project(tmp_path, "medicaid", ("13121", "GA"))) as project:
        got = {r.line_code: r for r in score_project(project, "straight").results}
        assert got["S03"].credited_count == 0 and got["PPC"].credited_count == 1
        assert "S03 also counts" not in " ".join(standards_for_county(project, "13121").notes)
    # QHP: the Letter's Primary Care - Adult and - Pediatric are two types.
    with open_project(_pediatrician_project(tmp_path, "qhp", ("48201", "TX"))) as project:
        got = {r.line_code: r for r in score_project(project, "straight").results}
        assert got["S03"].credited_count == 0 and got["PPC"].credited_count == 1
    assert pooled_lines("medicaid", {"S03", "040"}) == {"S03": ("PPC",)}
    assert (
        pooled_lines("medicaid", {"S03", "PPC"})
        == {}
        == pooled_lines("qhp", {"S03"})
        == pooled_lines("ma", {"S03"})
    )


# -- dental specialists ------------------------------------------------------------------------------------
ENDO, ORTHO = npi("700000210"), npi("700000220")


def _dentists(tmp_path: Path, lob: str, county: tuple[str, str], zip5: str):
    path = tmp_path / f"d-{lob}-{county[0]}.bpproj"
    create_project(path, lob, lob=lob, plan_year=2026, counties=[county])
    rows = [
        template_row(n, name, specialty_code="", taxonomy=tax, entity_type="individual", address="1 Main St",
                     city="Town", state=county[1], zip=zip5)
        for n, name, tax in ((ENDO, "Dr. Root", "1223E0200X"), (ORTHO, "Dr. Brace", "1223X0400X"))
    ]  # fmt: skip
    project = open_project(path)
    result = import_roster(project, template_file(tmp_path / f"d-{lob}.csv", rows))
    return project, result


def test_dental_specialists_score_apart_in_michigan_and_together_in_georgia(tmp_path):
    # Michigan (Wayne): endodontics, oral surgery, periodontics and prosthodontics, each its own standard.
    project, result = _dentists(tmp_path, "medicaid", ("26163", "MI"), "48226")
    with project:
        got = {r.line_code: r for r in score_project(project, "straight").results}
        assert got["END"].credited_count == 1 and got["OMS"].credited_count == 0
        assert "DSS" not in got and "ORT" not in got
        # Michigan has no orthodontics standard: the orthodontist imports, and the import says it counts nowhere.
        warned = [str(w) for w in result.warnings if "do not score" in str(w)]
        assert len(warned) == 1 and "ORT (Dental - Orthodontics)" in warned[0]
    # Georgia (Fulton): one standard for dental subspecialty providers, any specialty counting.
    project, result = _dentists(tmp_path, "medicaid", ("13121", "GA"), "30303")
    with project:
        got = {r.line_code: r for r in score_project(project, "straight").results}
        assert got["DSS"].credited_count == 2 and "END" not in got
        assert not [w for w in result.warnings if "do not score" in str(w)]
        assert "DSS also counts the providers of END" in " ".join(
            standards_for_county(project, "13121").notes
        )


def test_michigans_dental_specialist_rows_are_transcribed():
    rows = [
        r
        for r in lob_builtin.get_builtin("medicaid-MI-2026").rows
        if r["line_code"] in ("END", "OMS", "PER", "PRS")
    ]
    assert len(rows) == 20
    large = {
        r["line_code"]: (r["max_minutes"], r["max_miles"]) for r in rows if r["county_type"] == "Large Metro"
    }
    ceac = {r["line_code"]: (r["max_minutes"], r["max_miles"]) for r in rows if r["county_type"] == "CEAC"}
    assert set(large.values()) == {("30", "15")} and set(ceac.values()) == {("120", "120")}
    unscored = [r["standard"] for r in csv.DictReader(
        line for line in (OTHER_LINES_FILE.parent / "medicaid_unscored_2026.csv").open() if not line.startswith("#")
    )]  # fmt: skip
    assert not [u for u in unscored if u.startswith(("Dentistry", "Dental subspecialty"))]


def test_georgia_vision_providers_are_optometrists_and_ophthalmologists(tmp_path):
    path = tmp_path / "ga-eyes.bpproj"
    create_project(path, "GA", lob="medicaid", plan_year=2026, counties=[("13121", "GA")])
    eyes = ((npi("700000310"), "Dr. Lens", "152W00000X"), (npi("700000320"), "Dr. Retina", "207WX0107X"))
    rows = [
        template_row(n, name, specialty_code="", taxonomy=tax, entity_type="individual", address="1 Main St",
                     city="Atlanta", state="GA", zip="30303")
        for n, name, tax in eyes
    ]  # fmt: skip
    with open_project(path) as project:
        import_roster(project, template_file(tmp_path / "eyes.csv", rows))
        got = {r.line_code: r for r in score_project(project, "straight").results}
        # The ophthalmologist counts twice: as a specialist (023) and as a vision provider, with the optometrist.
        assert got["VIS"].credited_count == 2 and got["023"].credited_count == 1
        notes = " ".join(standards_for_county(project, "13121").notes)
        assert "VIS also counts the providers of 023 (Ophthalmology)" in notes
    assert pooled_lines("medicaid", {"VIS", "023"}) == {"VIS": ("023",)}  # even where 023 is scored too
