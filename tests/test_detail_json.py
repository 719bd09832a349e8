"""A run's result details are written with orjson (engine/runs.detail_json) and read back as json wrote
them: the demo's every cell, and each awkward type a detail may hold; NaN, the one named difference, is
written as JSON null."""

from __future__ import annotations

import json
import math
from datetime import date, datetime

import numpy as np

from blueprint_desktop.engine.runs import detail_json


def _old(obj) -> str:
    return json.dumps(obj, default=str)


def test_every_demo_cell_reads_back_as_json_wrote_it(tmp_path):
    from blueprint_desktop.demo import write_demo_project
    from blueprint_desktop.engine.scoring import compute_results, gather_inputs
    from blueprint_desktop.store import open_project

    project = open_project(write_demo_project(tmp_path / "demo.bpproj"))
    try:
        results = compute_results(gather_inputs(project), "straight")
    finally:
        project.close()
    assert len(results) > 400
    for r in results:
        obj = {
            "line_name": r.line_name,
            "reasons": r.reasons,
            "confidence_parts": r.confidence_parts,
            "detail": r.detail,
        }
        assert json.loads(detail_json(obj)) == json.loads(_old(obj))


def test_awkward_types_read_back_as_json_wrote_them():
    obj = {
        "np": [np.float64(1.25), np.int64(7), np.float32(0.5), np.bool_(True)],
        "when": [date(2026, 12, 1), datetime(2026, 12, 1, 9, 30, 5)],
        "keys": {3: "three", 1.5: "x"},
        "tuple": (1, "a", None),
        "text": "Ñandú — 42 CFR 422.116(d)(5)",
        "small": 1e-05,
        "set": {"only"},
    }
    assert json.loads(detail_json(obj)) == json.loads(_old(obj))
    assert json.loads(detail_json({"big": 2**70})) == {"big": 2**70}  # orjson refuses: json writes it


def test_nan_and_infinity_are_written_as_null():
    assert json.loads(detail_json({"x": float("nan"), "y": [math.inf, -math.inf]})) == {
        "x": None,
        "y": [None, None],
    }
