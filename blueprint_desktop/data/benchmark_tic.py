"""Read the provider references of a Transparency in Coverage in-network rate file: NPIs and TINs by network.

Source of every field read: CMS, *Transparency in Coverage* price transparency schemas, in-network rates
(https://github.com/CMSgov/price-transparency-guide, ``schemas/in-network-rates``; the JSON schema and CMS's
example files are in the project's test data):

- top level: ``reporting_entity_name``, ``reporting_entity_type``, ``plan_name``, ``issuer_name``, ``plan_id``,
  ``plan_market_type``, ``last_updated_on``, ``version``;
- ``provider_references[]``: ``provider_group_id`` (integer), ``network_name[]`` (v2.0), ``provider_groups[]``
  each with ``npi[]`` (numbers; ``[0]`` means the group is known by its TIN only) and ``tin`` (``type`` ``ein``
  or ``npi``, ``value``, ``business_name``); or ``location``, a URL of a separate provider-reference file
  (counted, not fetched: the app stays offline);
- version 1.x files may also list ``provider_groups[]`` inline in ``in_network[].negotiated_rates[]``.

The files run to gigabytes, almost all of it negotiated rates, so they are streamed with ``ijson`` in
constant memory. The top of the file is walked event by event up to the top-level ``in_network`` key;
reading stops there when the provider references came first, unless the file is version 1.x (whose rates
may carry inline groups). Otherwise (rates before references, or 1.x) the file is read again from the
start, once per wanted prefix, with ``ijson.items`` on the exact prefix: the references, and the inline
groups unless the file is version 2.x (whose schema has none), so that with the C backend (yajl2_c) the
rates' events never reach Python. A top-level field placed after
``in_network`` is read only if it is ``reporting_entity_name`` (required); the others show as absent. The file
gives no addresses or specialties: each NPI is placed at, and takes the lines of, our NPPES market's row for
it (``blueprint import nppes``); an NPI the market does not hold is stored unlocated and counted. An NPI
failing the check digit is counted and skipped, not a reason to refuse a multi-gigabyte file (CMS's own
example files use placeholder NPIs such as 1111111111); anything that breaks the schema refuses the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from blueprint_desktop.data.benchmark_store import BenchmarkFileError, BenchProvider, require_json_start
from blueprint_desktop.data.npi import is_valid_npi
from blueprint_desktop.progress import Progress

TOP_FIELDS = (
    "reporting_entity_name",
    "reporting_entity_type",
    "plan_name",
    "issuer_name",
    "plan_id",
    "plan_market_type",
    "last_updated_on",
    "version",
)
REFERENCE = "provider_references.item"
INLINE_GROUP = "in_network.item.negotiated_rates.item.provider_groups.item"
INVALID_LISTED = 20


class _Reader:
    def __init__(self, path: Path, network: str | None) -> None:
        self.path = path
        self.network = network
        self.by_npi: dict[str, BenchProvider] = {}
        self.networks: dict[str, int] = {}
        self.stats: dict[str, Any] = {
            "provider_references": 0,
            "provider_groups": 0,
            "invalid_npis": 0,
            "invalid_npi_examples": [],
            "tin_only_groups": 0,
            "remote_references": 0,
            "skipped_other_networks": 0,
            "inline_groups": 0,
        }

    def reference(self, index: int, ref: Any) -> None:
        where = f"provider_references[{index}]"
        if not isinstance(ref, dict):
            raise BenchmarkFileError(self.path, where, "(object)", ref, "a provider reference object")
        self.stats["provider_references"] += 1
        gid = ref.get("provider_group_id")
        if isinstance(gid, bool) or not isinstance(gid, int | float):
            raise BenchmarkFileError(self.path, where, "provider_group_id", gid, "an integer")
        if "location" in ref and "provider_groups" not in ref:
            self.stats["remote_references"] += 1
            return
        names = ref.get("network_name", [])
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise BenchmarkFileError(self.path, where, "network_name", names, "an array of network names")
        for n in names:
            self.networks[n] = self.networks.get(n, 0) + 1
        if self.network and not any(n.strip().lower() == self.network.strip().lower() for n in names):
            self.stats["skipped_other_networks"] += 1
            return
        groups = ref.get("provider_groups")
        if not isinstance(groups, list) or not groups:
            raise BenchmarkFileError(
                self.path, where, "provider_groups", groups, "a non-empty array of {npi[], tin}"
            )
        for k, group in enumerate(groups):
            self.group(f"{where}.provider_groups[{k}]", group)

    def group(self, where: str, group: Any) -> None:
        if not isinstance(group, dict):
            raise BenchmarkFileError(self.path, where, "(object)", group, "a provider group {npi[], tin}")
        self.stats["provider_groups"] += 1
        tin = group.get("tin")
        if not isinstance(tin, dict) or tin.get("type") not in ("ein", "npi") or not tin.get("value"):
            raise BenchmarkFileError(self.path, where, "tin", tin, "{type: ein|npi, value, business_name}")
        npis = group.get("npi")
        if not isinstance(npis, list) or not npis:
            raise BenchmarkFileError(self.path, where, "npi", npis, "a non-empty array of NPI numbers")
        if npis == [0]:
            self.stats["tin_only_groups"] += 1
            return
        business = str(tin.get("business_name") or "").strip()
        for j, value in enumerate(npis):
            if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
                # The schema's npi items are JSON numbers (minimum 1000000000, maximum 9999999999).
                raise BenchmarkFileError(
                    self.path, where, f"npi[{j}]", value, "a 10-digit NPI as a JSON number"
                )
            text = str(int(value))
            if not is_valid_npi(text):
                self.stats["invalid_npis"] += 1
                examples = self.stats["invalid_npi_examples"]
                if len(examples) < INVALID_LISTED and text not in examples:
                    self.stats["invalid_npi_examples"].append(text)
                continue
            have = self.by_npi.get(text)
            if have is None:
                self.by_npi[text] = BenchProvider(
                    text,
                    business or f"NPI {text}",
                    "individual",
                    str(tin["value"]),
                    name_from_tin=bool(business),
                )


CHUNK_BYTES = 1 << 20  # what a C pass reads at a time: one progress report (and cancel check) each
# A top-level field that comes after in_network is looked for only when the file is refused without it.
TAIL_FIELDS = ("reporting_entity_name",)


def _check_head(path: Path) -> None:
    require_json_start(path, b"{", "a Transparency in Coverage in-network rate file (a JSON object)")


def _walk_head(path: Path, reader: _Reader, meta: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Walk the parse events up to the top-level ``in_network`` key: the top-level fields and, in the usual
    order, the provider references. Few events precede the rates, so a Python loop costs nothing here."""
    import ijson

    size = max(1, path.stat().st_size)
    builder = None
    depth = ref_index = events = 0
    state = {"references": 0, "references_done": False, "in_network_at": None, "bytes_read": 0}
    with path.open("rb") as fh:
        for prefix, event, value in ijson.parse(fh, use_float=True):
            events += 1
            if builder is not None:
                builder.event(event, value)
                if event in ("start_map", "start_array"):
                    depth += 1
                elif event in ("end_map", "end_array"):
                    depth -= 1
                    if depth == 0:
                        reader.reference(ref_index, builder.value)
                        ref_index += 1
                        builder = None
                continue
            if event == "start_map" and prefix == REFERENCE:
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
                depth = 1
                continue
            if prefix in TOP_FIELDS and event in ("string", "number"):
                meta[prefix] = value
            elif prefix == "provider_references" and event == "end_array":
                state["references_done"] = True
            elif prefix == "" and event == "map_key" and value == "in_network":
                state["in_network_at"] = fh.tell()
                break
            if events % 1_000_000 == 0:
                progress.update(fh.tell() / size, f"{len(reader.by_npi):,} NPIs read")
        state["bytes_read"] = fh.tell()
    state["references"] = ref_index
    return state


class _ReportingFile:
    """A binary file whose ``read`` reports how far it got: the one hook into a C parser's loop, so a
    long pass reports progress and a cancel (``Cancelled`` raised from ``read``) stops it."""

    def __init__(self, fh: Any, progress: Progress, size: int, message: Callable[[], str]) -> None:
        self._fh, self._progress, self._size, self._message = fh, progress, max(1, size), message

    def read(self, n: int = -1) -> bytes:
        data = self._fh.read(n)
        self._progress.update(self._fh.tell() / self._size, self._message())
        return data


def _items_pass(path: Path, prefix: str, progress: Progress, message: Callable[[], str]) -> Iterator[Any]:
    """Every object at ``prefix``, from ijson's ``items`` over the whole file (the matching stays in C)."""
    import ijson

    with path.open("rb") as fh:
        source = _ReportingFile(fh, progress, path.stat().st_size, message)
        yield from ijson.items(source, prefix, use_float=True, buf_size=CHUNK_BYTES)


def _stream_rest(
    path: Path,
    reader: _Reader,
    meta: dict[str, Any],
    want_references: bool,
    progress: Progress,
) -> tuple[int, int]:
    """The rest of the file, read again from the start once per wanted prefix with ijson's ``items``: with
    the C backend (yajl2_c) the rates' events never reach Python, only the matching objects do (the Python
    loop over every event this replaced cost 2.7 s CPU per 88 MB of rates-first file, 64 s under
    tracemalloc; docs/performance.md, bench/bench_tic_stream.py). Two streaming passes over a file on disk
    cost less than one event loop in Python. Returns (references read, inline groups read)."""
    # Inline provider groups exist in version 1.x only: the 2.x schema's negotiated_rates carry
    # provider_references and no provider_groups, so a 2.x file is spared that pass.
    inline = not str(meta.get("version", "")).startswith("2.")
    passes = [p for p, on in ((REFERENCE, want_references), (INLINE_GROUP, inline)) if on]
    passes += [name for name in TAIL_FIELDS if name not in meta]

    def message() -> str:
        return f"{len(reader.by_npi):,} NPIs read"

    refs = groups = 0
    for k, prefix in enumerate(passes):
        part = progress.scaled(k / len(passes), (k + 1) / len(passes))
        for value in _items_pass(path, prefix, part, message):
            if prefix == REFERENCE:
                reader.reference(refs, value)
                refs += 1
            elif prefix == INLINE_GROUP:
                reader.stats["inline_groups"] += 1
                reader.group(f"in_network inline provider_groups[{groups}]", value)
                groups += 1
            else:
                meta.setdefault(prefix, value)
                break  # a top-level field: found
    return refs, groups


def read_tic(
    path: Path | str, network: str | None = None, progress: Progress | None = None
) -> tuple[list[BenchProvider], int, dict[str, Any]]:
    """NPIs (with a TIN each) of a TiC in-network file, of one ``network_name`` when ``network`` is given.

    The top of the file is walked event by event up to ``in_network``. When the provider references came
    first and the file is not version 1.x, reading stops there. Otherwise the file is read again with
    ijson's ``items`` on the exact prefixes (constant memory; the C backend keeps the rates out of Python). ``progress`` reports as it reads; a cancel raises ``Cancelled`` at the next report."""
    import ijson

    path = Path(path)
    progress = progress or Progress()
    _check_head(path)
    reader = _Reader(path, network)
    meta: dict[str, Any] = {}
    try:
        head = _walk_head(path, reader, meta, progress)
        ref_count, inline_count = head["references"], 0
        v1 = str(meta.get("version", "")).startswith("1.")
        stopped_early = head["in_network_at"] is not None and head["references_done"] and not v1
        read_bytes = head["bytes_read"]
        if head["in_network_at"] is not None and not stopped_early:
            more_refs, inline_count = _stream_rest(
                path,
                reader,
                meta,
                want_references=not head["references_done"],
                progress=progress.scaled(progress.fraction, 1.0),  # the head reported its share of bytes
            )
            ref_count += more_refs
            read_bytes = path.stat().st_size
    except ijson.JSONError as exc:
        raise BenchmarkFileError(path, None, "(JSON)", path.name, f"well-formed JSON: {exc}") from None
    if "reporting_entity_name" not in meta:
        raise BenchmarkFileError(
            path,
            None,
            "reporting_entity_name",
            None,
            "a Transparency in Coverage in-network file (required top-level field)",
        )
    if network and network.strip().lower() not in {n.strip().lower() for n in reader.networks}:
        shown = "; ".join(sorted(reader.networks)[:10]) or "none"
        raise BenchmarkFileError(path, None, "--network", network, f"a network_name of the file: {shown}")
    summary = dict(reader.stats)
    summary.update(
        {
            "file": {k: meta.get(k) for k in TOP_FIELDS if k in meta},
            "networks": reader.networks,
            "stopped_at_in_network": stopped_early,
            "bytes_read": read_bytes,
            "network_name": network
            or (next(iter(reader.networks)) if len(reader.networks) == 1 else None)
            or meta.get("plan_name")
            or meta.get("reporting_entity_name"),
        }
    )
    progress.update(1.0, "read")
    return list(reader.by_npi.values()), ref_count + inline_count, summary
