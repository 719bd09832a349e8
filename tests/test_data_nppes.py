"""NPPES market import: the real 330-column layout, filtering, deactivation, roster links, batches."""

from __future__ import annotations

import csv
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from blueprint_desktop.cli import main as cli_main
from blueprint_desktop.data import nppes_layout as L
from blueprint_desktop.data.nppes_import import drop_market_rows_for_network, import_nppes
from blueprint_desktop.engine.credited import candidate_mask, credited_mask, load_locations
from blueprint_desktop.errors import Cancelled, InputFileError
from blueprint_desktop.progress import Progress
from blueprint_desktop.store import open_project


def npi(n: int) -> str:
    """A valid NPI from a 9-digit body: Luhn check digit over "80840" + body (CMS NPI standard)."""
    body = f"1{n:08d}"
    digits = [int(c) for c in "80840" + body]
    total = 0
    for k, d in enumerate(reversed(digits)):
        if k % 2 == 0:  # positions doubled counting from the (future) check digit's left neighbour
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return body + str((10 - total % 10) % 10)


def row(
    number: str,
    *,
    taxonomies=(("207Q00000X", "Y"),),
    state="TX",
    zip_code="770021234",
    line1="1 MAIN ST",
    line2="",
    city="HOUSTON",
    entity="1",
    last="DOE",
    first="JANE",
    cred="MD",
    org="",
    deact="",
    react="",
) -> dict[str, str]:
    r = dict.fromkeys(L.DATA_FILE_COLUMNS, "")
    r.update(
        {
            L.NPI: number,
            L.ENTITY_TYPE: entity,
            L.LAST_NAME: last if entity == "1" else "",
            L.FIRST_NAME: first if entity == "1" else "",
            L.CREDENTIAL: cred if entity == "1" else "",
            L.ORG_NAME: org,
            L.PRACTICE_LINE1: line1,
            L.PRACTICE_LINE2: line2,
            L.PRACTICE_CITY: city,
            L.PRACTICE_STATE: state,
            L.PRACTICE_ZIP: zip_code,
            L.PRACTICE_COUNTRY: "US",
            L.ENUMERATION_DATE: "05/23/2007",
            L.DEACTIVATION_DATE: deact,
            L.REACTIVATION_DATE: react,
            "Provider Business Mailing Address State Name": "TX",
            "Other Provider Identifier_1": "123456",
            "Other Provider Identifier Type Code_1": "05",
            "Other Provider Identifier State_1": "TX",
            "Other Provider Identifier Issuer_1": "MEDICAID",
            "Certification Date": "01/02/2024",
        }
    )
    for i, (code, switch) in enumerate(taxonomies, start=1):
        r[L.taxonomy_code(i)] = code
        r[L.primary_switch(i)] = switch
        r[f"Provider License Number_{i}"] = f"L{i}{number[-4:]}"
        r[f"Provider License Number State Code_{i}"] = state
    return r


def deactivated_row(number: str, date: str) -> dict[str, str]:
    """How NPPES ships a deactivated NPI: the NPI and its dates, every other field blank."""
    r = dict.fromkeys(L.DATA_FILE_COLUMNS, "")
    r.update({L.NPI: number, L.DEACTIVATION_DATE: date, L.DEACTIVATION_REASON: ""})
    return r


def write_csv(path: Path, header, rows) -> Path:
    """Quote every value as CMS does (Readme 1.1)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL)
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(c, "") for c in header])
    return path


def write_nppes(path: Path, rows) -> Path:
    return write_csv(path, L.DATA_FILE_COLUMNS, rows)


def pl_row(number, line1, city, state, zip_code):
    return {L.PL_NPI: number, L.PL_LINE1: line1, L.PL_CITY: city, L.PL_STATE: state, L.PL_ZIP: zip_code}


def add_roster(project, number, contract="executed", credentialing="active", deactivated=None, lat=29.75):
    with project.transaction():
        cur = project.conn.execute(
            "INSERT INTO providers (npi, name, source, contract_status, credentialing_status, deactivated_date) "
            "VALUES (?, 'ROSTER DOC', 'roster', ?, ?, ?)",
            (number, contract, credentialing, deactivated),
        )
        pid = cur.lastrowid
        project.conn.execute("INSERT INTO provider_lines (provider_id, line_code) VALUES (?, 'S03')", (pid,))
        project.conn.execute(
            "INSERT INTO locations (provider_id, latitude, longitude, county_fips, geocode_quality) "
            "VALUES (?, ?, -95.36, '48201', 'exact')",
            (pid, lat),
        )
    return pid


def market(project) -> dict[str, dict]:
    cur = project.conn.execute("SELECT * FROM providers WHERE source = 'market' ORDER BY npi")
    cols = [d[0] for d in cur.description]
    return {r[1]: dict(zip(cols, r, strict=True)) for r in cur.fetchall()}


def lines_of(project, number) -> dict[str, str]:
    return dict(
        project.conn.execute(
            "SELECT pl.line_code, pl.taxonomy_code FROM provider_lines pl JOIN providers p ON p.id = pl.provider_id "
            "WHERE p.npi = ? AND p.source = 'market'",
            (number,),
        ).fetchall()
    )


def locations_of(project, number) -> list[tuple]:
    return project.conn.execute(
        "SELECT l.address, l.state, l.zip, l.county_fips, l.geocode_quality, l.latitude IS NOT NULL "
        "FROM locations l JOIN providers p ON p.id = l.provider_id WHERE p.npi = ? AND p.source = 'market' "
        "ORDER BY l.id",
        (number,),
    ).fetchall()


def snapshot(path: Path) -> dict[str, list]:
    conn = sqlite3.connect(path)
    try:
        return {
            t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for t in ("providers", "provider_lines", "locations", "import_batches", "audit_log")
        }
    finally:
        conn.close()


# -- layout -------------------------------------------------------------------------------------------


def test_real_layout_has_330_columns_in_the_readme_order():
    cols = L.DATA_FILE_COLUMNS
    assert len(cols) == 330 and len(L.PL_FILE_COLUMNS) == 10
    # Readme Exhibit 2-1 positions (1-based): 1 NPI, 5 LBN, 32 practice state, 40 deactivation date,
    # 48 first taxonomy code, 51 its primary switch, 107 the 15th switch, 108 first other identifier,
    # 308 Is Sole Proprietor, 315 first taxonomy group, 330 Certification Date.
    assert cols[0] == "NPI" and cols[4] == "Provider Organization Name (Legal Business Name)"
    assert cols[31] == "Provider Business Practice Location Address State Name"
    assert cols[39] == "NPI Deactivation Date" and cols[40] == "NPI Reactivation Date"
    assert cols[47] == "Healthcare Provider Taxonomy Code_1"
    assert cols[50] == "Healthcare Provider Primary Taxonomy Switch_1"
    assert cols[106] == "Healthcare Provider Primary Taxonomy Switch_15"
    assert cols[107] == "Other Provider Identifier_1" and cols[306] == "Other Provider Identifier Issuer_50"
    assert cols[307] == "Is Sole Proprietor" and cols[314] == "Healthcare Provider Taxonomy Group_1"
    assert cols[-1] == "Certification Date"
    assert L.PL_FILE_COLUMNS[2] == "Provider Secondary Practice Location Address-  Address Line 2"
    assert len(L.IMPORT_COLUMNS) == 45 and set(L.IMPORT_COLUMNS) <= set(cols)


def test_header_match_ignores_whitespace_and_case():
    found, missing = L.find_columns(
        ["npi", "Provider Secondary Practice Location Address- Address Line 2"], [L.PL_NPI, L.PL_LINE2]
    )
    assert missing is None and found[L.PL_LINE2].endswith("- Address Line 2")


def test_test_npis_have_valid_check_digits():
    from blueprint_desktop.data.evidence_file import npi_check_digit_ok

    assert npi_check_digit_ok("1234567893")  # CMS's worked example
    assert npi(23456789) == "1234567893"
    assert not npi_check_digit_ok("1234567890")


# -- filtering ----------------------------------------------------------------------------------------


def test_state_and_taxonomy_filter_lines_and_locations(project, tmp_path):
    fam, card, dentist, ok_doc, dme, third, hosp, multi, nozip = (npi(i) for i in range(1, 10))
    f = write_nppes(
        tmp_path / L.data_file_name(),
        [
            row(fam),
            row(card, taxonomies=[("207RC0000X", "Y")], first="AL", last="HART"),
            row(dentist, taxonomies=[("1223G0001X", "Y")]),  # no HSD line
            row(ok_doc, state="OK", zip_code="73102", city="OKLAHOMA CITY"),  # outside the project's states
            row(dme, taxonomies=[("332B00000X", "Y")]),  # in the crosswalk, but credits no line
            row(third, taxonomies=[("1223G0001X", "Y"), ("332B00000X", "N"), ("207RC0000X", "N")]),
            row(
                hosp,
                entity="2",
                org="ST  LUKES   HOSPITAL",
                taxonomies=[("282N00000X", "Y")],
                zip_code="77030",
            ),
            # Two primary-care taxonomies: the line is credited to the primary one (switch Y), not slot 1.
            row(multi, taxonomies=[("208D00000X", "N"), ("207Q00000X", "Y")], line2="SUITE 200"),
            row(nozip, zip_code="00001"),
        ],
    )
    result = import_nppes(project, f)
    assert result.states == ["TX"] and result.rows_read == 9
    got = market(project)
    assert set(got) == {fam, card, third, hosp, multi, nozip}
    assert (result.providers, result.candidates, result.deactivated) == (6, 6, 0)
    assert got[fam]["name"] == "JANE DOE, MD" and got[fam]["entity_type"] == "individual"
    assert got[hosp]["name"] == "ST LUKES HOSPITAL" and got[hosp]["entity_type"] == "organization"
    assert {p["contract_status"] for p in got.values()} == {"none"}
    assert {p["credentialing_status"] for p in got.values()} == {"none"}
    assert lines_of(project, fam) == {"S03": "207Q00000X"}
    assert lines_of(project, card) == {"008": "207RC0000X"}
    assert lines_of(project, third) == {"008": "207RC0000X"}
    assert lines_of(project, hosp) == {"040": "282N00000X"}
    assert lines_of(project, multi) == {"S03": "207Q00000X"}
    assert result.lines == {"008": 2, "040": 1, "S03": 3}
    assert locations_of(project, fam) == [("1 MAIN ST", "TX", "77002", "48201", "zip-centroid", 1)]
    assert locations_of(project, multi)[0][0] == "1 MAIN ST, SUITE 200"
    assert locations_of(project, hosp)[0][3] == "48201"
    assert locations_of(project, nozip) == [("1 MAIN ST", "TX", "00001", None, "none", 0)]
    assert result.unplaced_locations == 1 and result.locations == 6


def test_zip_points_without_a_county_or_at_null_island(project, tmp_path):
    # 78470 (Corpus Christi, a PO-box ZIP) has a GeoNames point but no ZCTA county; 77352's point is (0, 0).
    f = write_nppes(tmp_path / "np.csv", [row(npi(1), zip_code="78470"), row(npi(2), zip_code="77352")])
    result = import_nppes(project, f)
    assert locations_of(project, npi(1))[0][4:] == ("zip-centroid", 1)
    assert locations_of(project, npi(2))[0][4:] == ("none", 0)
    assert result.unplaced_locations == 1


def test_states_option_widens_the_market(project, tmp_path):
    f = write_nppes(tmp_path / "np.csv", [row(npi(1)), row(npi(2), state="OK", zip_code="73102")])
    result = import_nppes(project, f, states="tx, ok")
    assert result.states == ["OK", "TX"] and result.providers == 2
    assert locations_of(project, npi(2))[0][3] == "40109"  # Oklahoma County


def test_secondary_locations_from_the_pl_file(project, tmp_path):
    a, b = npi(1), npi(2)
    f = write_nppes(tmp_path / "np.csv", [row(a), row(b, state="OK", zip_code="73102")])
    pl = write_csv(
        tmp_path / L.pl_file_name(),
        L.PL_FILE_COLUMNS,
        [
            pl_row(a, "2 SUGAR LAND BLVD", "SUGAR LAND", "TX", "77479"),
            pl_row(a, "1 Main St", "HOUSTON", "TX", "77002"),  # repeats the primary address: one point
            pl_row(a, "9 ELSEWHERE", "TULSA", "OK", "74103"),  # outside the states: not kept
            pl_row(b, "5 BORDER RD", "HOUSTON", "TX", "77030"),  # OK primary, TX secondary: b is kept
        ],
    )
    result = import_nppes(project, f, locations_path=pl)
    assert set(market(project)) == {a, b}
    assert [loc[3] for loc in locations_of(project, a)] == ["48201", "48157"]
    assert locations_of(project, b) == [("5 BORDER RD", "TX", "77030", "48201", "zip-centroid", 1)]
    assert (result.locations, result.secondary_locations) == (3, 2)


def test_practice_phones_are_kept_for_primary_and_secondary_locations(project, tmp_path):
    a = npi(3)
    r = row(a) | {L.PRACTICE_PHONE: "7135550142"}
    f = write_nppes(tmp_path / "np.csv", [r])
    pl = write_csv(
        tmp_path / L.pl_file_name(),
        L.PL_FILE_COLUMNS,
        [pl_row(a, "2 SUGAR LAND BLVD", "SUGAR LAND", "TX", "77479") | {L.PL_PHONE: "2815550199.0"}],
    )
    import_nppes(project, f, locations_path=pl)
    phones = dict(project.conn.execute("SELECT zip, phone FROM locations ORDER BY zip").fetchall())
    # A spreadsheet re-save turns the number into a float ("2815550199.0"); both read as a phone.
    assert phones == {"77002": "(713) 555-0142", "77479": "(281) 555-0199"}


def test_a_file_without_phone_columns_still_imports(project, tmp_path):
    a = npi(4)
    header = [c for c in L.DATA_FILE_COLUMNS if c != L.PRACTICE_PHONE]
    f = write_csv(tmp_path / "np.csv", header, [row(a)])
    import_nppes(project, f)
    assert project.conn.execute("SELECT phone FROM locations").fetchall() == [(None,)]


# -- deactivation and the roster -----------------------------------------------------------------------


def test_deactivated_npis_are_stored_but_never_candidates(project, tmp_path):
    gone, back, fine = npi(1), npi(2), npi(3)
    f = write_nppes(
        tmp_path / "np.csv",
        [row(gone, deact="01/15/2020"), row(back, deact="01/15/2020", react="03/01/2021"), row(fine)],
    )
    result = import_nppes(project, f)
    got = market(project)
    assert got[gone]["deactivated_date"] == "2020-01-15"
    assert got[back]["deactivated_date"] is None and got[fine]["deactivated_date"] is None
    assert (result.providers, result.candidates, result.deactivated) == (3, 2, 1)
    locs = load_locations(project)
    assert set(locs.npi[candidate_mask(locs)]) == {back, fine}


def test_roster_npis_are_linked_not_duplicated_and_get_nppes_deactivation(project, tmp_path):
    contracted, pending_cred, deact, own_date = npi(1), npi(2), npi(3), npi(4)
    add_roster(project, contracted)
    add_roster(project, pending_cred, credentialing="pending")  # executed, not yet credentialed
    add_roster(project, deact)
    add_roster(project, own_date, deactivated="2019-06-30")  # a date the roster itself gave
    f1 = write_nppes(
        tmp_path / "m1.csv",
        [
            row(contracted),
            row(pending_cred),
            deactivated_row(deact, "02/01/2024"),
            row(own_date),
            row(npi(9)),
        ],
    )
    r1 = import_nppes(project, f1)
    assert set(market(project)) == {npi(9)}  # no market twin for any roster NPI
    assert (r1.roster_matched, r1.roster_deactivated, r1.roster_reactivated) == (4, 1, 0)
    dates = dict(project.conn.execute("SELECT npi, deactivated_date FROM providers WHERE source = 'roster'"))
    assert dates == {contracted: None, pending_cred: None, deact: "2024-02-01", own_date: "2019-06-30"}
    locs = load_locations(project)
    # The engine never offers a contracted provider as a recruit, credentialed or not.
    candidates = set(locs.npi[candidate_mask(locs)])
    assert candidates == {npi(9)}
    assert set(locs.npi[credited_mask(locs)]) == {contracted}  # deact now excluded, own_date too

    # Next month the NPI is reactivated: NPPES lifts what NPPES set, and never the roster's own date.
    f2 = write_nppes(
        tmp_path / "m2.csv",
        [row(contracted), row(deact, deact="02/01/2024", react="03/01/2024"), row(own_date), row(npi(9))],
    )
    r2 = import_nppes(project, f2)
    assert (r2.roster_deactivated, r2.roster_reactivated) == (0, 1)
    dates = dict(project.conn.execute("SELECT npi, deactivated_date FROM providers WHERE source = 'roster'"))
    assert dates[deact] is None and dates[own_date] == "2019-06-30"


def test_market_rows_of_new_roster_npis_can_be_dropped(project, tmp_path):
    f = write_nppes(tmp_path / "np.csv", [row(npi(1)), row(npi(2))])
    import_nppes(project, f)
    add_roster(project, npi(1))  # signed after the market was loaded
    assert drop_market_rows_for_network(project) == 1
    assert set(market(project)) == {npi(2)}


# -- batches --------------------------------------------------------------------------------------------


def test_newer_file_replaces_the_market_keeping_ids(project, tmp_path):
    a, b, c, d = npi(1), npi(2), npi(3), npi(4)
    r1 = import_nppes(project, write_nppes(tmp_path / "m1.csv", [row(a), row(b), row(c)]))
    ids = {k: v["id"] for k, v in market(project).items()}
    f2 = write_nppes(
        tmp_path / "m2.csv",
        [row(b), row(c, last="SMITH", taxonomies=[("207RC0000X", "Y")], zip_code="77479"), row(d)],
    )
    r2 = import_nppes(project, f2)
    got = market(project)
    assert set(got) == {b, c, d} and r2.removed == 1 and r2.previous_batch_id == r1.batch_id
    assert got[b]["id"] == ids[b] and got[c]["id"] == ids[c]
    assert got[c]["name"] == "JANE SMITH, MD" and got[c]["batch_id"] == r2.batch_id
    assert lines_of(project, c) == {"008": "207RC0000X"}
    assert [loc[3] for loc in locations_of(project, c)] == ["48157"]
    assert project.conn.execute("SELECT count(*) FROM locations").fetchone()[0] == 3
    assert project.conn.execute("SELECT count(*) FROM provider_lines").fetchone()[0] == 3
    superseded = dict(
        project.conn.execute("SELECT id, superseded_by FROM import_batches WHERE kind = 'nppes'")
    )
    assert superseded == {r1.batch_id: r2.batch_id, r2.batch_id: None}


def test_same_file_again_is_recognised_and_changes_nothing(project_path, tmp_path):
    f1 = write_nppes(tmp_path / "m1.csv", [row(npi(1)), row(npi(2))])
    f2 = write_nppes(tmp_path / "m2.csv", [row(npi(3))])
    with open_project(project_path) as project:
        first = import_nppes(project, f1)
    before = snapshot(project_path)
    with open_project(project_path) as project:
        again = import_nppes(project, f1)
    assert again.already_imported and again.batch_id == first.batch_id and again.sha256 == first.sha256
    assert snapshot(project_path) == before
    with open_project(project_path) as project:
        assert not import_nppes(project, f1, states=["TX", "OK"]).already_imported  # other states: new batch
        import_nppes(project, f2)
        back = import_nppes(project, f1)  # an older file after a newer one restores it: not "already"
        assert not back.already_imported and set(market(project)) == {npi(1), npi(2)}


# -- refusals and cancellation -----------------------------------------------------------------------


def test_bad_header_names_the_first_missing_column(project_path, tmp_path):
    header = [c for c in L.DATA_FILE_COLUMNS if c not in (L.DEACTIVATION_DATE, L.taxonomy_code(3))]
    f = write_csv(tmp_path / "np.csv", header, [row(npi(1))])
    before = snapshot(project_path)
    with open_project(project_path) as project, pytest.raises(InputFileError) as err:
        import_nppes(project, f)
    assert "'NPI Deactivation Date'" in str(err.value) and "np.csv" in str(err.value)
    roster = write_csv(tmp_path / "roster.csv", ["npi", "name"], [{"npi": npi(1), "name": "X"}])
    with open_project(project_path) as project, pytest.raises(InputFileError, match="'Entity Type Code'"):
        import_nppes(project, roster)
    pl = write_csv(tmp_path / "pl.csv", ["NPI", "Address"], [])
    good = write_nppes(tmp_path / "ok.csv", [row(npi(1))])
    with open_project(project_path) as project, pytest.raises(InputFileError, match="Address Line 1"):
        import_nppes(project, good, locations_path=pl)
    assert snapshot(project_path) == before


def test_malformed_row_is_refused_naming_the_place(project_path, tmp_path):
    f = write_nppes(tmp_path / "np.csv", [row(npi(1))])
    with f.open("a") as fh:
        fh.write('"1234567893","1","short row"\n')
    with open_project(project_path) as project, pytest.raises(InputFileError, match="after data row"):
        import_nppes(project, f)


@pytest.mark.parametrize("cancel_at", ["reading", "replacing the market"])
def test_cancellation_leaves_the_project_unchanged(project_path, tmp_path, cancel_at):
    with open_project(project_path) as project:
        import_nppes(project, write_nppes(tmp_path / "m1.csv", [row(npi(1)), row(npi(2))]))
    before = snapshot(project_path)
    f2 = write_nppes(tmp_path / "m2.csv", [row(npi(3)), row(npi(4))])

    def callback(fraction: float, message: str) -> None:
        if message.startswith(cancel_at):
            progress.cancel()

    progress = Progress(callback, min_interval=0.0)
    with open_project(project_path) as project, pytest.raises(Cancelled):
        import_nppes(project, f2, progress=progress)
    assert snapshot(project_path) == before


def test_invalid_utf8_is_replaced_not_fatal(project, tmp_path):
    f = write_nppes(tmp_path / "np.csv", [row(npi(1), last="MUNOZ")])
    data = f.read_bytes().replace(b"MUNOZ", b"MU\xd1OZ")  # a Latin-1 byte
    f.write_bytes(data)
    import_nppes(project, f)
    assert market(project)[npi(1)]["name"] == "JANE MU\ufffdOZ, MD"


# -- command line ------------------------------------------------------------------------------------


def test_cli_import_nppes_json(project_path, tmp_path, capsys):
    f = write_nppes(tmp_path / "np.csv", [row(npi(1)), row(npi(2), state="OK", zip_code="73102")])
    assert cli_main(["import", "nppes", str(project_path), str(f), "--states", "TX,OK", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["providers"] == 2 and out["states"] == ["OK", "TX"] and not out["already_imported"]
    assert cli_main(["import", "nppes", str(project_path), str(f), "--states", "TX,OK"]) == 0
    assert "already" in capsys.readouterr().out
    bad = write_csv(tmp_path / "bad.csv", ["npi"], [])
    assert cli_main(["import", "nppes", str(project_path), str(bad)]) == 2
    assert "'Entity Type Code'" in capsys.readouterr().err


# -- files a spreadsheet or pandas re-saved ----------------------------------------------------------


def write_plain(path: Path, header, rows) -> Path:
    """Unquoted, as pandas' to_csv and Excel write (quotes only where a value needs them)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(c, "") for c in header])
    return path


def test_resaved_values_are_put_back_in_the_published_form(project, tmp_path):
    org, doc, gone = npi(1), npi(2), npi(3)
    add_roster(project, gone)
    rows = [
        row(org, entity="2", org="CAMBRIDGE CLINIC", state="MA", city="CAMBRIDGE", zip_code="2138.0"),
        row(doc, state="MA", city="CAMBRIDGE", zip_code="21381234.0", taxonomies=[("207Q00000X", "y")]),
        row(gone, deact="2020-01-15 00:00:00"),  # pandas parse_dates writes ISO
    ]
    for r in rows:
        r[L.NPI] += ".0"
        r[L.ENTITY_TYPE] = r[L.ENTITY_TYPE] and r[L.ENTITY_TYPE] + ".0"
    result = import_nppes(
        project, write_plain(tmp_path / "resaved.csv", L.DATA_FILE_COLUMNS, rows), states="MA"
    )
    got = market(project)
    assert set(got) == {org, doc} and got[org]["entity_type"] == "organization"
    assert got[org]["name"] == "CAMBRIDGE CLINIC" and got[doc]["entity_type"] == "individual"
    assert locations_of(project, org) == [("1 MAIN ST", "MA", "02138", "25017", "zip-centroid", 1)]
    assert locations_of(project, doc)[0][2:4] == ("02138", "25017")  # ZIP+4 that had lost its zero
    assert lines_of(project, doc) == {"S03": "207Q00000X"}
    assert result.roster_matched == 1 and result.roster_deactivated == 1
    roster = project.conn.execute("SELECT deactivated_date FROM providers WHERE npi = ?", (gone,)).fetchone()
    assert roster == ("2020-01-15",)
    assert result.normalised == {
        L.NPI: 3,
        L.ENTITY_TYPE: 3,
        L.PRACTICE_ZIP: 2,
        L.DEACTIVATION_DATE: 1,
        L.primary_switch(1): 1,
    }


def test_resaved_values_that_cannot_be_put_back_refuse_the_file(project_path, tmp_path):
    rows = [
        row(npi(1), entity="3"),
        row(npi(2), zip_code="7.7002E+04"),  # scientific notation: digits already lost
        row(npi(3), zip_code="7700212345"),  # 10 digits: no ZIP
        row(npi(4), deact="2020/13/45"),
        row(npi(5), taxonomies=[("207Q00000X", "maybe")]),
        row(npi(6)),
    ]
    rows[5][L.NPI] = "1.23457E+09"
    f = write_plain(tmp_path / "bad.csv", L.DATA_FILE_COLUMNS, rows)
    before = snapshot(project_path)
    with open_project(project_path) as project, pytest.raises(InputFileError) as err:
        import_nppes(project, f)
    message = str(err.value)
    assert message.startswith("bad.csv: row 2, column 'Entity Type Code': got '3', expected '1' (individual)")
    assert "5 more problems; nothing was imported" in message and "\n" not in message
    assert err.value.problems == [
        "bad.csv:2: Entity Type Code: got '3', expected '1' (individual) or '2' (organization), the NPPES "
        "Entity Type Code",
        "bad.csv:3: Provider Business Practice Location Address Postal Code: got '7.7002E+04', expected a US ZIP "
        "code: 5 digits, or 9 for ZIP+4 (NPPES Postal Code)",
        "bad.csv:4: Provider Business Practice Location Address Postal Code: got '7700212345', expected a US ZIP "
        "code: 5 digits, or 9 for ZIP+4 (NPPES Postal Code)",
        "bad.csv:5: NPI Deactivation Date: got '2020/13/45', expected a date MM/DD/YYYY (month first, as NPPES "
        "writes it) or YYYY-MM-DD",
        "bad.csv:6: Healthcare Provider Primary Taxonomy Switch_1: got 'maybe', expected Y, N or X (blank when the "
        "slot is empty), the NPPES Primary Taxonomy Switch",
        "bad.csv:7: NPI: got '1.23457E+09', expected a 10-digit NPI (a spreadsheet rounded this one)",
    ]
    assert snapshot(project_path) == before


def test_foreign_postal_codes_are_left_alone(project, tmp_path):
    # Only ZIPs of rows in the project's states are stored and padded; a row kept for its PL location
    # whose primary address is abroad keeps its postal code as written.
    a = npi(1)
    f = write_nppes(tmp_path / "np.csv", [row(a, state="", zip_code="2000", city="SYDNEY")])
    pl = write_csv(
        tmp_path / "pl.csv", L.PL_FILE_COLUMNS, [pl_row(a, "5 BORDER RD", "HOUSTON", "TX", "77030")]
    )
    result = import_nppes(project, f, locations_path=pl)
    assert result.normalised == {} and [loc[2] for loc in locations_of(project, a)] == ["77030"]


def test_files_that_are_not_the_published_csv_are_refused_with_the_reason(project_path, tmp_path):
    before = snapshot(project_path)
    header_only = write_nppes(tmp_path / "npidata_pfile_20050523-20250413_fileheader.csv", [])
    semicolons = tmp_path / "np_semicolons.csv"
    semicolons.write_text(";".join(L.DATA_FILE_COLUMNS) + "\n")
    workbook = tmp_path / "np.xlsx"
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(list(L.DATA_FILE_COLUMNS[:5]))
    wb.save(workbook)
    archive = tmp_path / "NPPES_Data_Dissemination.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for i in range(8):
            z.writestr(f"member_{i}.csv", "x")
        z.writestr("docs/", "")
    cases = [
        (header_only, "has the NPPES data file header but no data rows: it is the header-only file"),
        (semicolons, "columns are separated by semicolons, not commas"),
        (
            workbook,
            "np.xlsx: is an Excel workbook, not CSV text; NPPES files are read as the CSV CMS publishes",
        ),
        (
            archive,
            "NPPES_Data_Dissemination.zip: is a ZIP archive: unzip it first (it holds: member_0.csv, member_1.csv, "
            "member_2.csv, member_3.csv, member_4.csv, member_5.csv and 2 more)",
        ),
    ]
    good = write_nppes(tmp_path / "ok.csv", [row(npi(1))])
    for path, message in cases:
        with open_project(project_path) as project, pytest.raises(InputFileError) as err:
            import_nppes(project, path)
        assert message in str(err.value) and "\n" not in str(err.value)
        with open_project(project_path) as project, pytest.raises(InputFileError) as err:
            import_nppes(project, good, locations_path=path)  # the same reasons for a PL file
        assert path.name in str(err.value) and "\n" not in str(err.value)
    empty_pl = write_csv(tmp_path / "pl_pfile.csv", L.PL_FILE_COLUMNS, [])
    with (
        open_project(project_path) as project,
        pytest.raises(InputFileError, match="practice location file header"),
    ):
        import_nppes(project, good, locations_path=empty_pl)
    assert snapshot(project_path) == before


def test_every_table_reader_refuses_a_zip_archive_in_one_line(tmp_path):
    from blueprint_desktop.data.tabular import read_table

    archive = tmp_path / "roster.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("roster.csv", "npi,name\n")
        z.writestr("readme.pdf", b"%PDF\x00\x01")
    named_csv = tmp_path / "roster.csv"
    named_csv.write_bytes(archive.read_bytes())
    for path in (archive, named_csv):
        with pytest.raises(InputFileError) as err:
            read_table(path)
        assert (
            str(err.value)
            == f"{path.name}: is a ZIP archive: unzip it first (it holds: roster.csv, readme.pdf)"
        )
    named_xlsx = tmp_path / "roster.xlsx"  # an archive named like a workbook is still an archive
    named_xlsx.write_bytes(archive.read_bytes())
    with pytest.raises(InputFileError, match="is a ZIP archive: unzip it first"):
        read_table(named_xlsx)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    with pytest.raises(InputFileError, match="damaged or incomplete"):
        read_table(broken)


def test_cli_lists_every_value_it_cannot_put_back_and_says_what_it_normalised(project_path, tmp_path, capsys):
    bad = write_plain(
        tmp_path / "bad.csv", L.DATA_FILE_COLUMNS, [row(npi(1), entity="3"), row(npi(2), entity="9")]
    )
    assert cli_main(["import", "nppes", str(project_path), str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv:2: Entity Type Code: got '3'" in err and "bad.csv:3: Entity Type Code: got '9'" in err
    fixed = row(npi(1), entity="2", org="CLINIC")
    fixed[L.ENTITY_TYPE] = "2.0"
    ok = write_plain(tmp_path / "ok.csv", L.DATA_FILE_COLUMNS, [fixed])
    assert cli_main(["import", "nppes", str(project_path), str(ok)]) == 0
    out = capsys.readouterr().out
    assert "ok.csv was re-saved by a spreadsheet or pandas: put 1 value back in the published form" in out
    assert "(Entity Type Code 1)" in out


def test_a_qhp_project_credits_the_lines_with_no_hsd_code(tmp_path):
    """The dentist and urgent care centre the MA market leaves out (test above) are market providers of a QHP
    project, on Blueprint's DEN and URG lines (rules/other_lines.py); the cardiologist credits 008 in both."""
    from blueprint_desktop.store import create_project

    path = tmp_path / "q.bpproj"
    create_project(path, "q", lob="qhp", plan_year=2026, counties=[("48201", "TX")])
    dentist, urgent, card, pharmacy_mail = (npi(i) for i in range(21, 25))
    f = write_nppes(
        tmp_path / L.data_file_name(),
        [
            row(dentist, taxonomies=[("1223G0001X", "Y")]),
            row(urgent, entity="2", org="QUICK CARE", taxonomies=[("261QU0200X", "Y")]),
            row(card, taxonomies=[("207RC0000X", "Y")]),
            # A mail-order pharmacy is not a place members go: no PHA line (nor does the FFE table have one).
            row(pharmacy_mail, entity="2", org="RX BY MAIL", taxonomies=[("3336M0002X", "Y")]),
        ],
    )
    with open_project(path) as project:
        result = import_nppes(project, f)
        assert set(market(project)) == {dentist, urgent, card}
        assert lines_of(project, dentist) == {"DEN": "1223G0001X"}
        assert lines_of(project, urgent) == {"URG": "261QU0200X"}
        assert lines_of(project, card) == {"008": "207RC0000X"}
        assert result.lines == {"008": 1, "DEN": 1, "URG": 1}
