"""The dependency lock (requirements.lock, written by installers/lock_deps.sh) pins every package the project
names in pyproject.toml, at a version its specifier admits, with sha256 hashes: set-up installs from it, so
a dependency added to pyproject.toml without re-locking would fail set-up on a clean machine."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
_PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)")


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        m = _PIN.match(line)
        if m:
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def _named() -> list[Requirement]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = list(meta["dependencies"])
    for extra in meta.get("optional-dependencies", {}).values():
        names += extra
    return [Requirement(r) for r in names]


def test_every_named_dependency_is_pinned_at_an_admitted_version() -> None:
    pins = _pins()
    assert len(pins) > 40
    for req in _named():
        name = canonicalize_name(req.name)
        assert name in pins, (
            f"{req.name} is in pyproject.toml but not in requirements.lock: run installers/lock_deps.sh"
        )
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"{req.name}: locked {pins[name]} is outside {req.specifier}"
        )


def test_every_pin_carries_a_hash_and_no_machine_path() -> None:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9_.\-]+==)", text)
    pinned = [b for b in blocks if _PIN.match(b)]
    assert pinned and all("--hash=sha256:" in b for b in pinned)
    assert "/tmp/" not in text
    assert not [line for line in text.splitlines() if line.startswith(("--find-links", "--index-url", "-f "))]
