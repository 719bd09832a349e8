"""Activity evidence, ghost providers, attestations and panel confirmations."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from blueprint_desktop.cli import main as cli_main
from blueprint_desktop.data.activity import ghost_providers, import_activity, verified_active
from blueprint_desktop.data.attestations import import_attestations
from blueprint_desktop.data.evidence_file import EvidenceFileError, RowProblem, months_before
from blueprint_desktop.errors import InputFileError

TODAY = date(2026, 3, 31)
# Valid NPIs (Luhn over "80840" + NPI): CMS's example 1234567893 and three more.
A, B, C, D = "1234567893", "1000000004", "1000000012", "1000000020"
OUTSIDER = "1000000038"


def add(project, npi, contract="executed", source="roster", name=None):
    with project.transaction():
        project.conn.execute(
            "INSERT INTO providers (npi, name, source, contract_status, credentialing_status) VALUES (?,?,?,?,?)",
            (npi, name or f"DR {npi[-3:]}", source, contract, "active"),
        )


@pytest.fixture
def network(project):
    add(project, A)
    add(project, B)
    add(project, C)
    add(project, D, contract="pending")  # not contracted yet: never a ghost, never "verified"
    add(project, A, source="market", contract="none")  # the same person as a market row: untouched
    return project


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def provider(project, npi, source="roster") -> dict:
    cur = project.conn.execute("SELECT * FROM providers WHERE npi = ? AND source = ?", (npi, source))
    return dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))


def counts(path: Path) -> tuple[int, ...]:
    conn = sqlite3.connect(path)
    try:
        return tuple(
            conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("import_batches", "provider_evidence", "audit_log")
        ) + tuple(
            conn.execute("SELECT activity_last_date, attested_date, panel_status FROM providers").fetchall()
        )
    finally:
        conn.close()


def test_months_before_clamps_to_month_end():
    assert months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert months_before(date(2026, 3, 31), 12) == date(2025, 3, 31)
    assert months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert months_before(date(2026, 1, 15), 13) == date(2024, 12, 15)


def test_activity_sets_dates_and_finds_ghosts(network, tmp_path):
    f = write(
        tmp_path / "activity.csv",
        "Rendering NPI,Last DOS,Encounter Count\n"
        f"{A},2026-01-10,40\n"
        f'{A},12/20/2025,"1,200"\n'  # a second row for A: latest date kept, encounters summed
        f"{B},2024-09-30,3\n"  # 18 months ago
        f"{OUTSIDER},2026-02-01,7\n",  # not on the network: kept as evidence, reported
    )
    result = import_activity(network, f, months=12, today=TODAY)
    assert (result.rows_read, result.npis, result.matched, result.unmatched) == (4, 3, 2, [OUTSIDER])
    assert result.latest_date == "2026-02-01" and (result.ghosts, result.verified) == (2, 1)
    a = provider(network, A)
    assert (a["activity_last_date"], a["activity_encounters"]) == ("2026-01-10", 1240)
    assert provider(network, A, "market")["activity_last_date"] is None
    assert provider(network, B)["activity_last_date"] == "2024-09-30"
    evidence = network.conn.execute(
        "SELECT npi, evidence_date, encounters FROM provider_evidence WHERE kind = 'activity' ORDER BY npi"
    ).fetchall()
    assert evidence == [(B, "2024-09-30", 3), (OUTSIDER, "2026-02-01", 7), (A, "2026-01-10", 1240)]

    ghosts = ghost_providers(network, 12, TODAY)
    assert [(g.npi, g.activity_last_date, g.days_since_activity) for g in ghosts] == [
        (B, "2024-09-30", 547),
        (C, None, None),
    ]
    assert [v.npi for v in verified_active(network, 12, TODAY)] == [A]
    # A wider window: B (18 months ago) is active within 24 months; C never was.
    assert [g.npi for g in ghost_providers(network, 24, TODAY)] == [C]
    assert [v.npi for v in verified_active(network, 24, TODAY)] == [B, A]  # by NPI
    batch = network.conn.execute("SELECT kind, rows_read, rows_imported FROM import_batches").fetchall()
    assert batch == [("activity", 4, 3)]


def test_a_later_file_with_older_dates_does_not_turn_the_clock_back(network, tmp_path):
    import_activity(
        network, write(tmp_path / "q1.csv", f"npi,last_service_date,encounters\n{A},2026-02-01,5\n")
    )
    import_activity(
        network, write(tmp_path / "q0.csv", f"npi,last_service_date,encounters\n{A},2025-06-01,9\n")
    )
    a = provider(network, A)
    assert (a["activity_last_date"], a["activity_encounters"]) == ("2026-02-01", 5)
    assert network.conn.execute("SELECT count(*) FROM provider_evidence").fetchone()[0] == 2


def test_xlsx_with_date_cells(network, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["NPI", "last_service_date", "encounters"])
    ws.append([int(C), datetime(2026, 3, 1), 12])
    path = tmp_path / "activity.xlsx"
    wb.save(path)
    import_activity(network, path, today=TODAY)
    assert provider(network, C)["activity_last_date"] == "2026-03-01"
    assert provider(network, C)["activity_encounters"] == 12


@pytest.mark.parametrize(
    ("header", "values", "flagged"),
    [
        ("npi,last_dos,member_id,dob", f"{A},2026-01-01,M123,1950-02-03", ["member_id", "dob"]),
        ("npi,last_dos,Patient Name,SSN", f"{A},2026-01-01,Jane Roe,123-45-6789", ["Patient Name", "SSN"]),
        ("npi,last_dos,ref", f"{A},2026-01-01,1EG4TE5MK73", ["ref"]),  # an MBI-shaped value
    ],
)
def test_member_level_columns_are_refused_and_nothing_changes(
    network, project_path, tmp_path, header, values, flagged
):
    f = write(tmp_path / "claims.csv", f"{header}\n{values}\n")
    before = counts(project_path)
    with pytest.raises(InputFileError) as err:
        import_activity(network, f, today=TODAY)
    for col in flagged:
        assert repr(col) in str(err.value)
    assert counts(project_path) == before


def test_every_bad_row_is_reported_and_nothing_changes(network, project_path, tmp_path):
    f = write(
        tmp_path / "activity.csv",
        "npi,last_service_date,encounters\n"
        f"{A},2026-01-10,4\n"
        "1234567890,2026-01-10,4\n"  # bad check digit
        f"{B},2026-13-01,4\n"  # no such month
        f"{C},2026-01-10,-2\n"
        "\n"  # blank line: skipped, but it still counts as a spreadsheet row
        f"{C},2027-01-01,\n",  # after today
    )
    before = counts(project_path)
    with pytest.raises(EvidenceFileError) as err:
        import_activity(network, f, today=TODAY)
    expected_npi = "a 10-digit NPI starting with 1 or 2 with a valid check digit"
    assert err.value.problems == [
        RowProblem(3, "npi", "1234567890", expected_npi),
        RowProblem(4, "last_service_date", "2026-13-01", "a date as YYYY-MM-DD or MM/DD/YYYY"),
        RowProblem(5, "encounters", "-2", "a whole number of encounters, 0 or more"),
        RowProblem(7, "last_service_date", "2027-01-01", "a date not after today (2026-03-31)"),
    ]
    assert str(err.value).startswith("activity.csv: refused, nothing imported: row 3, column 'npi'")
    assert isinstance(err.value, InputFileError)
    assert counts(project_path) == before


def test_missing_column_is_named_with_its_aliases(network, tmp_path):
    with pytest.raises(
        InputFileError, match="no last service date column; expected one of last_service_date, last_dos"
    ):
        import_activity(network, write(tmp_path / "a.csv", f"npi,encounters\n{A},3\n"))


def test_same_activity_file_again_is_recognised(network, project_path, tmp_path):
    f = write(tmp_path / "a.csv", f"npi,last_service_date\n{A},2026-01-10\n")
    first = import_activity(network, f, today=TODAY)
    before = counts(project_path)
    again = import_activity(network, f, today=TODAY)
    assert again.already_imported and again.batch_id == first.batch_id and again.verified == 1
    assert counts(project_path) == before


def test_attestations_and_panel_confirmations(network, tmp_path):
    f = write(
        tmp_path / "attest.csv",
        "NPI,Attestation Date,Panel Status,Panel Confirmed Date\n"
        f"{A},2026-01-05,Open,2026-01-06\n"
        f"{B},2026-02-01,not accepting,\n"  # panel confirmed by the attestation itself
        f"{C},,closed,2026-03-01\n",  # a panel confirmation without an attestation
    )
    result = import_attestations(network, f, today=TODAY)
    assert (result.attestations, result.panel_confirmations, result.matched) == (2, 3, 3)
    a, b, c = (provider(network, n) for n in (A, B, C))
    assert (a["attested_date"], a["panel_status"], a["panel_confirmed_date"]) == (
        "2026-01-05",
        "open",
        "2026-01-06",
    )
    assert (b["attested_date"], b["panel_status"], b["panel_confirmed_date"]) == (
        "2026-02-01",
        "closed",
        "2026-02-01",
    )
    assert (c["attested_date"], c["panel_status"], c["panel_confirmed_date"]) == (
        None,
        "closed",
        "2026-03-01",
    )
    # Later: A's panel closes; an older attestation for B arrives late and does not regress B.
    g = write(
        tmp_path / "attest2.csv",
        f"npi,attested_date,panel_status,panel_date\n{A},2026-03-15,closed,2026-03-15\n{B},2025-11-01,,\n",
    )
    import_attestations(network, g, today=TODAY)
    a, b = provider(network, A), provider(network, B)
    assert (a["attested_date"], a["panel_status"], a["panel_confirmed_date"]) == (
        "2026-03-15",
        "closed",
        "2026-03-15",
    )
    assert b["attested_date"] == "2026-02-01"
    history = network.conn.execute(
        "SELECT kind, evidence_date, value FROM provider_evidence WHERE npi = ? ORDER BY id", (A,)
    ).fetchall()
    assert history == [
        ("attestation", "2026-01-05", None),
        ("panel", "2026-01-06", "open"),
        ("attestation", "2026-03-15", None),
        ("panel", "2026-03-15", "closed"),
    ]
    assert provider(network, A, "market")["attested_date"] is None


def test_attestation_rows_are_validated(network, project_path, tmp_path):
    f = write(
        tmp_path / "attest.csv",
        "npi,attestation_date,panel_status,panel_confirmed_date\n"
        f"{A},2026-01-05,maybe,\n"
        f"{B},,,\n"
        f"{C},,open,\n"
        f"{D},01/02/2026,open,\n",  # fine
    )
    before = counts(project_path)
    with pytest.raises(EvidenceFileError) as err:
        import_attestations(network, f, today=TODAY)
    assert [(p.row, p.column, p.value) for p in err.value.problems] == [
        (2, "panel_status", "maybe"),
        (3, "attestation_date", ""),
        (4, "panel_confirmed_date", ""),
    ]
    assert err.value.problems[1].expected == "an attestation date or a panel status"
    assert counts(project_path) == before


def test_cli_activity_and_ghosts(network, project_path, tmp_path, capsys):
    network.close()
    f = write(tmp_path / "a.csv", f"npi,last_service_date,encounters\n{A},{date.today().isoformat()},3\n")
    assert cli_main(["import", "activity", str(project_path), str(f), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["matched"], out["verified"], out["ghosts"]) == (1, 1, 2)
    assert cli_main(["ghosts", str(project_path), "--json", "--today", "2026-03-31"]) == 0
    ghosts = json.loads(capsys.readouterr().out)["ghosts"]
    assert [g["npi"] for g in ghosts] == [B, C]
    bad = write(tmp_path / "bad.csv", f"npi,last_service_date\n{A},someday\n1,2026-01-01\n")
    assert cli_main(["import", "activity", str(project_path), str(bad)]) == 2
    err = capsys.readouterr().err
    assert "row 2, column 'last_service_date': 'someday'" in err and "row 3, column 'npi': '1'" in err
    g = write(tmp_path / "att.csv", f"npi,attestation_date\n{A},2026-01-01\n")
    assert cli_main(["import", "attestations", str(project_path), str(g)]) == 0
    assert "1 attestations" in capsys.readouterr().out
