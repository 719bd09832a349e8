"""The committed NUCC taxonomy code set (resources/rules/nucc_taxonomy_codes.csv): what it holds, and that it is
exactly what installers/derive_nucc_codes.py derives from the NUCC's CSV release v25.1 (when ../shared holds it)."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import pytest

from blueprint_desktop.rules.crosswalk import (
    NUCC_CODES_FILE,
    NUCC_VERSION,
    is_nucc_code,
    known_taxonomy,
    load_nucc_codes,
    nucc_code,
)

ROOT = Path(__file__).resolve().parents[1]
NUCC_DIR = Path("/work/shared/data/real/nucc")
V251 = NUCC_DIR / "nucc_taxonomy_251.csv"
V241 = NUCC_DIR / "nucc_taxonomy_241.csv"
needs_nucc = pytest.mark.skipif(not (V251.exists() and V241.exists()), reason="NUCC releases not available")


def _derive_module():
    spec = importlib.util.spec_from_file_location(
        "derive_nucc_codes", ROOT / "installers" / "derive_nucc_codes.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _release_codes(path: Path) -> set[str]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return {r["Code"].strip() for r in csv.DictReader(fh)}


def test_the_committed_set_holds_facts_only_and_names_its_source() -> None:
    text = NUCC_CODES_FILE.read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert header[0].startswith(
        f"# NUCC Health Care Provider Taxonomy code set, version {NUCC_VERSION} (effective 2025-07-01)"
    )
    assert any("nucc_taxonomy_251.csv" in line for line in header)
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert body[0] == "code,grouping,classification,specialization,section"  # no Definition / Notes text
    codes = load_nucc_codes()
    assert len(codes) == 883  # NUCC v25.1
    # NUCC v25.1 rows, as published: a code of 2025 and a long-standing one.
    assert nucc_code("2085R0203X").name == "Radiology, Therapeutic Radiology"
    assert nucc_code("207QD0401X").name == "Family Medicine, Diabetology"
    assert nucc_code("261QM2800X").section == "Non-Individual"
    assert is_nucc_code(" 282nc2000x ") and not is_nucc_code("207ZZ9999X")


def test_version_from_the_nucc_file_name() -> None:
    module = _derive_module()
    assert module.version_of(Path("nucc_taxonomy_251.csv")) == ("25.1", "2025-07-01")
    assert module.version_of(Path("nucc_taxonomy_240.csv")) == ("24.0", "2024-01-01")
    with pytest.raises(SystemExit):
        module.version_of(Path("taxonomy.csv"))


@needs_nucc
def test_committed_file_equals_the_derivation_from_v25_1() -> None:
    assert _derive_module().derive(V251) == NUCC_CODES_FILE.read_text(encoding="utf-8")


@needs_nucc
def test_every_v24_1_code_is_in_the_set() -> None:
    old, new = _release_codes(V241), set(load_nucc_codes())
    assert old <= new
    # The codes new in v25.1, each decided in the crosswalk (mapped or "no line": test_rules_crosswalk.py).
    assert new - old == {
        "146E00000X", "1835P1400X", "207LP4000X", "207QB0505X", "207QD0401X",
        "207QP0002X", "207RP1002X", "2080P1004X", "2086P0122X",
    }  # fmt: skip
    assert all(known_taxonomy(code) for code in new - old)
