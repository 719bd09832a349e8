"""The one-click corrective action package: one PDF answering a CMS network adequacy deficiency notice.

``export_package`` gathers the notice's data (``package_data``), checks what each section still lacks
(``completeness``) and renders the sections (``package_sections``) with fpdf2. A package with any lack is
refused unless exported as a draft; a draft carries a DRAFT watermark on every page and ends with a page
listing the lacks.

**Verification.** The export first verifies the evidence hash chain (``store/evidence_chain.py``) and
refuses a broken one unless ``allow_broken_chain``; a package exported anyway says so on a page right after
the cover. Every package carries a ``PackageStamp``: the chain head (the last link's hash and the number of
links) and the content digest (SHA-256 of the gathered data the package prints, ``package_data``), printed
on its Verification page, in every page footer (the digest) and in the PDF's Keywords metadata.
``verify_package`` reads them back from a PDF and checks them against a project: the head must still be a
link of the chain (later links are entries appended since) and the digest is recomputed for that notice,
that day, with the outreach log as of that head. The digest replaces the project file's SHA-256, which
changed on every writable open and could never be checked later.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.progress import Progress
from blueprint_desktop.reports import completeness, package_sections
from blueprint_desktop.reports.atomic_file import atomic_output
from blueprint_desktop.reports.package_data import PackageData, content_digest, gather
from blueprint_desktop.reports.pdf_document import ReportPDF, plural
from blueprint_desktop.store import evidence_chain

STAMP_PREFIX = "evidence-stamp/1"


class PackageIncomplete(BlueprintError):
    """The package lacks evidence and was not exported as a draft."""


class EvidenceChainBroken(BlueprintError):
    """The evidence chain does not verify and the export was not told to go ahead anyway."""


@dataclass(frozen=True)
class PackageStamp:
    """What a package carries so a reviewer can check it against the project later."""

    chain_head: str
    chain_entries: int
    chain_ok: bool
    content_digest: str
    notice_id: int
    as_of: str  # the day the data was gathered for (ISO date)
    chain_break: str | None = None  # the first break, when exported from a broken chain

    def keywords(self) -> str:
        """The stamp as the PDF's Keywords: ``key=value`` words a reader can parse back."""
        return (
            f"{STAMP_PREFIX} chain-head={self.chain_head} chain-entries={self.chain_entries} "
            f"chain-ok={'yes' if self.chain_ok else 'no'} content-sha256={self.content_digest} "
            f"notice={self.notice_id} as-of={self.as_of}"
        )

    @classmethod
    def parse(cls, keywords: str) -> PackageStamp | None:
        """The stamp in a PDF's Keywords, or None when there is none."""
        if STAMP_PREFIX not in (keywords or ""):
            return None
        words = dict(re.findall(r"([a-z0-9-]+)=(\S+)", keywords))
        try:
            return cls(
                chain_head=words["chain-head"],
                chain_entries=int(words["chain-entries"]),
                chain_ok=words["chain-ok"] == "yes",
                content_digest=words["content-sha256"],
                notice_id=int(words["notice"]),
                as_of=words["as-of"],
            )
        except (KeyError, ValueError):
            return None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class PackageResult:
    path: Path
    notice_id: int
    draft: bool
    pages: int
    fingerprint: str  # the content digest, as printed in every footer
    generated_at: str
    lacks: list[completeness.Lack] = field(default_factory=list)
    stamp: PackageStamp | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "notice_id": self.notice_id,
            "draft": self.draft,
            "pages": self.pages,
            "fingerprint": self.fingerprint,
            "generated_at": self.generated_at,
            "lacks": [lack.as_dict() for lack in self.lacks],
            "stamp": self.stamp.as_dict() if self.stamp else None,
        }


def check_package(
    project, notice_id: int | None = None, today: date | None = None
) -> list[completeness.Lack]:
    """What each section still lacks (empty when the package is ready)."""
    return completeness.check(gather(project, notice_id, today))


def export_package(
    project,
    out_path: str | os.PathLike[str],
    notice_id: int | None = None,
    draft: bool = False,
    today: date | None = None,
    progress: Progress | None = None,
    allow_broken_chain: bool = False,
) -> PackageResult:
    """Render the package to ``out_path`` (written atomically).

    Refuses an incomplete package unless ``draft``, and a broken evidence chain unless
    ``allow_broken_chain`` (the package then states the break on the page after its cover).
    """
    progress = progress or Progress()
    out_path = Path(out_path)
    if not out_path.parent.is_dir():
        raise BlueprintError(f"{out_path.parent}: no such folder")
    progress.update(0.02, "verifying the evidence chain")
    chain = evidence_chain.verify_chain(project)
    if not chain.ok and not allow_broken_chain:
        raise EvidenceChainBroken(
            f"{chain.line()}; the outreach log may have been altered outside the app, so no package is "
            "exported (--allow-broken-chain exports one that states the break)"
        )
    progress.update(0.05, "gathering the notice's data")
    data = gather(project, notice_id, today)
    lacks = completeness.check(data)
    if lacks and not draft:
        first = "; ".join(f"{completeness.SECTIONS[x.section]}: {x.message}" for x in lacks[:3])
        raise PackageIncomplete(
            f"the package lacks {plural(len(lacks), 'item')} ({first}{'; ...' if len(lacks) > 3 else ''}); "
            "complete them or export a draft (--draft)"
        )
    draft = draft or bool(lacks)
    progress.update(0.3, "computing the content digest")
    stamp = PackageStamp(
        chain_head=chain.head,
        chain_entries=chain.entries,
        chain_ok=chain.ok,
        content_digest=content_digest(data),
        notice_id=int(data.notice["id"]),
        as_of=(data.today or date.today()).isoformat(),
        chain_break=None if chain.ok else chain.first.line(),
    )
    fingerprint = stamp.content_digest
    generated = datetime.now(UTC).replace(microsecond=0)
    generated_text = generated.strftime("%Y-%m-%d %H:%M UTC")
    running = (
        f"Corrective action package  |  {data.notice.get('contract_id') or data.project_name}  |  "
        f"notice of {data.notice['notice_date'][:10]}"
    )
    # The footer carries the content digest (checkable later with `blueprint verify`), not a file hash.
    pdf = ReportPDF(
        "Corrective Action Package",
        running,
        generated_text,
        fingerprint,
        draft,
        fingerprint_label="Content digest SHA-256",
    )
    pdf.set_subject(
        f"Response to the CMS network adequacy deficiency notice of {data.notice['notice_date'][:10]}"
    )
    pdf.set_creation_date(generated)
    pdf.set_keywords(stamp.keywords())
    package_sections.cover(pdf, data)
    if not chain.ok:
        verification_page(pdf, stamp, chain)  # a broken chain is the first thing a reader sees
    for i, section in enumerate(package_sections.SECTION_ORDER):
        progress.update(0.35 + 0.55 * i / len(package_sections.SECTION_ORDER), f"drawing {section.__name__}")
        section(pdf, data)
    if chain.ok:
        verification_page(pdf, stamp, chain)
    if lacks:
        package_sections.lacks_page(pdf, lacks)
    progress.update(0.95, "writing the PDF")
    with atomic_output(out_path) as tmp:
        pdf.output(str(tmp))
    progress.update(1.0, f"{pdf.page_no()} pages")
    return PackageResult(
        out_path, data.notice["id"], draft, pdf.page_no(), fingerprint, generated_text, lacks, stamp
    )


VERIFICATION_TITLE = "Verification"


def verification_page(pdf: ReportPDF, stamp: PackageStamp, chain: evidence_chain.ChainReport) -> None:
    """The values a reviewer checks the package against later, in plain words."""
    pdf.section(VERIFICATION_TITLE)
    if not stamp.chain_ok:
        pdf.para(
            "THE OUTREACH LOG'S INTEGRITY CHAIN DID NOT VERIFY WHEN THIS PACKAGE WAS GENERATED. "
            f"First discrepancy: {stamp.chain_break}. Entries shown in this package may have been changed, "
            "removed or added after they were recorded.",
            size=10.5,
            style="B",
            color=(160, 20, 20),
        )
    pdf.para(
        "The outreach log, its attached documents and the audit trail of this response are recorded in a "
        "SHA-256 hash chain: each entry's hash covers its content and the entry before it, so a later change, "
        "deletion or insertion of any entry no longer leads to the chain head below. The content digest is the "
        "SHA-256 of the data this package presents."
    )
    pdf.para(
        f"Outreach log chain head: {stamp.chain_head}, {plural(stamp.chain_entries, 'entry')}; "
        f"content digest: {stamp.content_digest}.",
        size=9,
    )
    rows = [
        ["Outreach log chain head", stamp.chain_head],
        ["Entries in the chain", str(stamp.chain_entries)],
        ["Chain verified when generated", "yes" if stamp.chain_ok else "NO"],
        ["Content digest (SHA-256)", stamp.content_digest],
        ["Data as of", stamp.as_of],
    ]
    pdf.data_table(["What", "Value"], rows, [62, 124], mono_cols={1})
    if chain.redactions:
        pdf.note(
            f"{plural(chain.redactions, 'redaction')} of text entered by mistake "
            "(shown as [redacted: reason]); each is itself an entry of the chain."
        )
    if chain.upgraded_at:
        day = chain.upgraded_at[:10]
        pdf.note(
            f"Entries recorded before {day} were chained on {day}, when the record was upgraded to keep this "
            "chain: it shows they are unchanged since that day, not before."
        )


@dataclass
class PackageVerification:
    """``verify_package``'s answer: the package's stamp against the project's chain today."""

    stamp: PackageStamp
    chain: evidence_chain.ChainReport
    head_link: int | None  # the package's chain head's position in the chain now; None: not found
    digest_now: str | None  # the content digest recomputed as of the head; None when it could not be
    digest_note: str = ""

    @property
    def head_found(self) -> bool:
        return self.head_link is not None or (
            self.stamp.chain_entries == 0 and self.stamp.chain_head == evidence_chain.GENESIS
        )

    @property
    def digest_equal(self) -> bool:
        return self.digest_now == self.stamp.content_digest

    @property
    def ok(self) -> bool:
        return self.chain.ok and self.head_found

    def lines(self) -> list[str]:
        out = [self.chain.line()]
        s = self.stamp
        if self.head_found:
            later = self.chain.entries - s.chain_entries
            out.append(
                f"package chain head {s.chain_head[:16]}... found: entry {s.chain_entries} of {self.chain.entries}"
                + (f" ({later} appended since the package)" if later else " (nothing appended since)")
            )
        else:
            out.append(
                f"package chain head {s.chain_head[:16]}... NOT FOUND: the chain the package was made from "
                "has been rewritten or replaced"
            )
        if not s.chain_ok:
            out.append("the package itself states it was exported from a broken chain")
        if self.digest_now is None:
            out.append(f"content digest not recomputed: {self.digest_note}")
        elif self.digest_equal:
            out.append(
                f"content digest {s.content_digest[:16]}... recomputes equal (notice {s.notice_id}, "
                f"as of {s.as_of}, outreach log as of the package's chain head)"
            )
        else:
            out.append(
                f"content digest differs: package {s.content_digest[:16]}..., now {self.digest_now[:16]}... "
                "(the outreach log is recomputed as of the package's chain head; scores, plan, narratives and "
                "checklist items are read as they are now, and text redacted since cannot come back)"
            )
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "stamp": self.stamp.as_dict(),
            "chain": self.chain.as_dict(),
            "head_found": self.head_found,
            "head_link": self.head_link,
            "digest_now": self.digest_now,
            "digest_equal": self.digest_equal,
            "digest_note": self.digest_note,
        }


def read_stamp(pdf_path: str | os.PathLike[str]) -> PackageStamp:
    """The stamp embedded in a package PDF's metadata."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PyPdfError
    except ImportError:  # pragma: no cover - pypdf is a runtime dependency
        raise BlueprintError("reading a package's stamp needs pypdf (pip install pypdf)") from None
    path = Path(pdf_path)
    if not path.is_file():
        raise BlueprintError(f"{path}: no such package file")
    # pypdf logs its repair attempts on a damaged file ("EOF marker not found"...) before it gives up;
    # the one-line refusal below says all the user needs, so its log is silenced while it reads.
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.CRITICAL)
    try:
        info = PdfReader(str(path)).metadata or {}
    except (PyPdfError, OSError, ValueError) as exc:
        raise BlueprintError(f"{path}: cannot be read as a PDF ({exc})") from None
    finally:
        pypdf_log.setLevel(level)
    stamp = PackageStamp.parse(str(info.get("/Keywords") or ""))
    if stamp is None:
        raise BlueprintError(
            f"{path}: carries no evidence stamp (not a package, or made before stamps existed)"
        )
    return stamp


def verify_package(project, pdf_path: str | os.PathLike[str]) -> PackageVerification:
    """Check a package PDF's chain head and content digest against the project (read only)."""
    stamp = read_stamp(pdf_path)
    chain = evidence_chain.verify_chain(project)
    link = evidence_chain.find_link(project, stamp.chain_head)
    if link is not None and link != stamp.chain_entries:
        link = None  # the hash is there but not at the position the package stated: not the same chain
    digest_now, note = None, ""
    try:
        as_of = date.fromisoformat(stamp.as_of)
        data: PackageData = gather(project, stamp.notice_id, as_of, as_of_seq=stamp.chain_entries)
        digest_now = content_digest(data)
    except (BlueprintError, ValueError) as exc:
        note = str(exc)
    return PackageVerification(stamp, chain, link, digest_now, note)
