"""The corrective action package: sections in order, every outreach entry, signature blocks, the
fingerprint footer, the completeness check and the DRAFT watermark, narratives kept in schema v6; the
text CMS reads cites only the CFR and CMS, states the failing standard, counts in plain plurals, on
US Letter pages with nothing outside the margins."""

from __future__ import annotations

import json
import re

import pytest
import reports_scenario as sc
from pypdf import PdfReader

from blueprint_desktop.cli import main
from blueprint_desktop.reports import completeness, narrative, package_pdf
from blueprint_desktop.reports.package_data import gather
from blueprint_desktop.reports.package_sections import SIGNERS, TITLES


def _pages(path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages]


@pytest.fixture
def complete(project, tmp_path):
    return project, sc.build(project, tmp_path, complete=True)


@pytest.fixture
def incomplete(project, tmp_path):
    return project, sc.build(project, tmp_path, complete=False)


def test_complete_package_has_every_section_entry_and_signature(complete, tmp_path):
    project, info = complete
    assert package_pdf.check_package(project) == []
    out = tmp_path / "package.pdf"
    result = package_pdf.export_package(project, out)
    assert not result.draft and result.pages >= 9
    pages = _pages(out)
    text = "\n".join(pages)
    # Sections, in order, each starting on its own page after the cover.
    starts = [next(i for i, p in enumerate(pages) if i > 0 and p.find(TITLES[k]) != -1) for k in TITLES]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert "Corrective Action Package" in pages[0] and "Attestation" in pages[0]
    for signer in SIGNERS:
        assert signer in pages[0]
    assert pages[0].count("Signature") == 2 and pages[0].count("Printed name") == 2
    # Every outreach entry (8: four per neurologist) and both declination reasons.
    outreach_text = " ".join(pages[starts[4] : starts[5]])
    for entry in info["entries"]:
        assert f"#{entry['id']}" in outreach_text
    for reason in sc.DECLINES.values():
        assert reason in outreach_text
    # Provider evidence: the cure cardiologist with its executed date and HPMS date.
    evidence = " ".join(pages[starts[3] : starts[4]])
    assert sc.CURE_CARDIO in evidence and "Dr. Alice Nguyen" in evidence
    # Narrative as edited, appendix with the attachment's hash, H-number on the cover.
    assert "not a designated HPSA for neurology" in text
    assert "edited from the generated draft" in text
    digest = __import__("hashlib").sha256(info["letter"].read_bytes()).hexdigest()
    assert digest in " ".join(pages[starts[7] :]).replace(" ", "")
    assert "H9876" in pages[0]
    # Footer on every page: page x of n, generation time and the package's content digest; no DRAFT.
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page
        assert result.fingerprint in page.replace(" ", "")
        assert "Generated " + result.generated_at in page
        assert "DRAFT" not in page
    # The digest is of the data the package prints and recomputes from the project (not the file's bytes).
    recomputed = package_pdf.verify_package(project, out).digest_now
    assert result.fingerprint == result.stamp.content_digest == recomputed


def test_gap_analysis_shows_before_and_after_runs(complete, tmp_path):
    project, info = complete
    data = gather(project)
    assert data.before_run["id"] == info["before_run"] and data.after_run["id"] > info["before_run"]
    cardio = data.cells[info["gaps"]["008"]]
    # Before: one contracted office against a minimum of 4 (Fort Bend is Metro: HSD26 Table 1); after: 5.
    assert (cardio["before"]["credited_count"], cardio["after"]["credited_count"]) == (1, 5)
    assert cardio["before"]["status"] == "Failing" and cardio["after"]["status"] == "Pass"
    # What the numbers rest on: the built-in CMS criteria, named to CMS only by the CFR and CMS's file.
    assert cardio["after"]["criteria"] == "CMS HSD Reference File 2026 (built in)"
    out = package_pdf.export_package(project, tmp_path / "p.pdf")
    text = " ".join(_pages(out.path))
    assert "Standards applied: the CMS HSD Reference File criteria for 2026 (42 CFR 422.116(a)(4)(i))" in text
    assert "built in" not in text  # an app detail, not regulator-facing


def test_incomplete_package_is_refused_unless_draft_and_then_watermarked(incomplete, tmp_path):
    project, info = incomplete
    lacks = package_pdf.check_package(project)
    sections = {lack.section for lack in lacks}
    assert {"cover", "summary", "providers", "narratives"} <= sections
    assert any("credentialing pending" in lack.message for lack in lacks)
    with pytest.raises(package_pdf.PackageIncomplete):
        package_pdf.export_package(project, tmp_path / "refused.pdf")
    assert not (tmp_path / "refused.pdf").exists()
    result = package_pdf.export_package(project, tmp_path / "draft.pdf", draft=True)
    pages = _pages(tmp_path / "draft.pdf")
    assert result.draft and len(pages) == result.pages
    assert all(re.search(r"\bDRAFT\b", p) for p in pages)
    assert "what the package still lacks" in pages[-1]
    assert completeness.SECTIONS["providers"] in pages[-1]


def test_narrative_is_generated_from_data_edited_and_versioned(incomplete):
    project, info = incomplete
    gap_id = info["gaps"]["019"]
    n = narrative.current(project, gap_id)
    assert not n.saved and not n.edited
    assert "Metro county" in n.text and "2 uncontracted providers" in n.text
    assert "4 documented attempts, declined: " + sc.DECLINES[sc.NEURO_1] in n.text
    narrative.save(project, gap_id)
    saved = narrative.save(project, gap_id, n.text + "\n\nAdded by the compliance team.")
    assert saved.edited and narrative.current(project, gap_id).text.endswith("compliance team.")
    assert [h["edited"] for h in narrative.history(project, gap_id)] == [0, 1]
    stored = project.conn.execute("SELECT narrative FROM cited_gaps WHERE id = ?", (gap_id,)).fetchone()[0]
    assert stored.endswith("compliance team.")  # the deficiency checklist sees the same text


def test_cli_package_check_and_narrative(incomplete, project_path, tmp_path, capsys):
    project, info = incomplete
    project.close()
    assert main(["export", "check", str(project_path), "--json"]) == 1
    lacks = json.loads(capsys.readouterr().out)
    assert lacks and {"section", "message", "section_title"} <= set(lacks[0])
    assert main(["export", "package", str(project_path), str(tmp_path / "p.pdf")]) == 2
    assert "--draft" in capsys.readouterr().err
    assert main(["export", "package", str(project_path), str(tmp_path / "p.pdf"), "--draft", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["draft"] is True
    text_file = tmp_path / "n.txt"
    text_file.write_text("Neurologists in Fort Bend declined; members use telehealth.", encoding="utf-8")
    gap = str(info["gaps"]["019"])
    assert main(["export", "narrative", str(project_path), gap, "--save", str(text_file)]) == 0
    capsys.readouterr()
    assert main(["export", "narrative", str(project_path), gap, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["text"].startswith("Neurologists in Fort Bend declined")


# Our working notes and their tags: none may reach a page CMS reads.
FORBIDDEN = [
    r"\.md\b",
    r"\bpeers\b",
    r"\bregulation\.md",
    r"\bstack\.md",
    r"\[G\b",
    r"\[R\]",
    r"\[3P\]",
    r"\bToC\b",
    r"\bseed\b",
    r"\bHSD26\b",
    r"\bissue \d",
    r"\bbest practice\b",
    r"\(s\)",
    r"\b1 (providers|beds|entries|attempts|cells|days)\b",
    r"\bof \d+ required\b",
]


def _whole_text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


@pytest.mark.parametrize("complete_it", [True, False], ids=["complete", "draft"])
def test_package_text_cites_only_cfr_and_cms(project, tmp_path, complete_it):
    sc.build(project, tmp_path, complete=complete_it)
    out = package_pdf.export_package(project, tmp_path / "p.pdf", draft=not complete_it).path
    text = " ".join(_whole_text(out).split())
    found = {pattern: m.group(0) for pattern in FORBIDDEN if (m := re.search(pattern, text, re.IGNORECASE))}
    assert found == {}
    # The exception's basis is the CFR and CMS's guidance, as CMS knows them.
    assert "42 CFR 422.116(f); CMS Medicare Advantage Network Adequacy Guidance, Rationales for Not" in text
    assert "(CMS Medicare Advantage Network Adequacy Guidance)" in text  # executed contracts only
    assert "0 providers 2 required" in text  # the analysis counts: plural noun, then the minimum


def test_plural_helper():
    from blueprint_desktop.reports.pdf_document import plural

    assert plural(1, "provider") == "1 provider"
    assert plural(59, "provider") == "59 providers"
    assert plural(0, "provider") == "0 providers"
    assert plural(1.0, "bed") == "1 bed" and plural(2, "entry") == "2 entries"
    assert plural(3, "county x specialty cell") == "3 county x specialty cells"
    assert plural(2, "analysis", "analyses") == "2 analyses"


def _facts(**score) -> dict:
    base = {
        "county": "Walker, TX",
        "county_fips": "48471",
        "line_code": "008",
        "line_name": "Cardiology",
        "designation": "Rural",
        "designation_source": "reference",
        "max_minutes": 60.0,
        "max_miles": 45.0,
        "min_count": 1,
        "counts_beds": False,
        "required_pct": 90.0,
        "exception_type": "no-supply",
        "market_in_county": 1,
        "network_in_county": 1,
        "network_outside_county": 3,
        "targets": [],
        "attempt_standard": 4,
    }
    return base | {"score": {"started_at": "2027-02-10T09:00:00", "required_pct": 90.0} | score}


def test_narrative_states_the_failing_standard_and_by_how_much():
    # Time fails, distance is met: the narrative names the time standard and does not argue the distance.
    text = narrative.distances(
        _facts(pct_within=71.2, p90_minutes=74.0, p90_miles=38.0, credited_count=59, min_count=1)
    )
    assert (
        "only 71.2% of beneficiaries live within 60 minutes and 45 miles of a contracted provider of 008 "
        "Cardiology (90% required): 18.8 percentage points short" in text
    )
    assert (
        "The time standard is the one that fails: the 90th percentile is 74 minutes, 14 beyond the " in text
    )
    assert "60-minute time standard" in text and "38 miles, within the 45-mile distance standard" in text
    assert "The plan credits 59 providers; 1 required." in text
    assert "against a standard of 45 miles" not in text
    # Both fail; a count short too.
    text = narrative.distances(
        _facts(pct_within=40.0, p90_minutes=90.5, p90_miles=61.0, credited_count=0, min_count=1)
    )
    assert (
        "fails both standards: 90.5 minutes, 30.5 beyond the 60-minute time standard, and 61 miles, 16 "
        in text
    )
    assert "The plan credits 0 providers; 1 required: 1 provider short." in text
    # Distance alone fails.
    text = narrative.distances(
        _facts(pct_within=85.0, p90_minutes=50.0, p90_miles=47.5, credited_count=2, min_count=1)
    )
    assert (
        "The distance standard is the one that fails: the 90th percentile is 47.5 miles, 2.5 beyond" in text
    )
    assert "(its time is 50 minutes, within the 60-minute time standard)" in text
    # Nobody within reach: no percentile to compare; the whole text, generated, keeps its plurals plain.
    full = narrative.generate(_facts(pct_within=0.0, credited_count=0, min_count=1))
    assert "no beneficiary lives within 60 minutes and 45 miles" in full
    assert "with at least 1 provider (42 CFR" in full and "1 uncontracted provider of the specialty" in full
    assert "(s)" not in full


def test_package_pages_are_us_letter_with_nothing_outside_the_margins(complete, tmp_path):
    import shutil
    import subprocess

    from blueprint_desktop.reports.pdf_document import BOTTOM_MARGIN, SIDE_MARGIN

    project, _ = complete
    out = package_pdf.export_package(project, tmp_path / "p.pdf").path
    reader = PdfReader(str(out))
    assert all(
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) == (612, 792) for p in reader.pages
    )
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed: word boxes not checked")
    html = subprocess.run(
        ["pdftotext", "-bbox", str(out), "-"], check=True, capture_output=True, text=True
    ).stdout
    pt = 72 / 25.4
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)', html)
    assert len(words) > 500
    outside = [
        w[4]
        for w in words
        if float(w[0]) < SIDE_MARGIN * pt - 1
        or float(w[2]) > 612 - SIDE_MARGIN * pt + 1
        or float(w[3]) > 792 - (BOTTOM_MARGIN - 16) * pt  # the footer sits in the bottom margin, above 6 mm
    ]
    assert outside == []
    # The cover (facts, contents, attestation and both signature blocks) is one page.
    first = " ".join(reader.pages[0].extract_text().split())
    assert first.count("Printed name") == 2 and "Page 1 of" in first


def test_a_one_cell_rescore_overlays_the_full_run_in_the_package(complete):
    """Issue "The whole job in the window": `cure --rescore` stored one-cell runs and the package then said
    'not scored' for the other gaps. The package reads each cell's newest score from any run."""
    from blueprint_desktop.engine.scoring import score_project

    project, info = complete
    gaps = gather(project).gaps
    first = gaps[0]
    score_project(project, lines=[first["line_code"]], counties=[first["county_fips"]])
    data = gather(project)
    assert all(data.cells[g["id"]]["after"] is not None for g in data.gaps)
    assert data.cells[first["id"]]["after"]["run_id"] == data.after_run["id"]
