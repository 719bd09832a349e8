"""The corrective action package: sections in order, every outreach entry, signature blocks, the
fingerprint footer, the completeness check and the DRAFT watermark, narratives kept in schema v6."""

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
    # Footer on every page: page x of n, generation time and the project's fingerprint; no DRAFT.
    for n, page in enumerate(pages, start=1):
        assert f"Page {n} of {len(pages)}" in page
        assert result.fingerprint in page.replace(" ", "")
        assert "Generated " + result.generated_at in page
        assert "DRAFT" not in page
    assert result.fingerprint == project.file_sha256()  # exporting wrote nothing to the project


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
    assert "Metro county" in n.text and "2 uncontracted provider(s)" in n.text
    assert "4 documented attempt(s), declined: " + sc.DECLINES[sc.NEURO_1] in n.text
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
