"""A benchmark network on the offline map: the page holds its layer and markers (headless), and in a real
(offscreen) Qt WebEngine the layer is drawn, can be turned off and on, and loads nothing online."""

from __future__ import annotations

import json
import re

import pytest
from benchmark_files import demo_rows, plannet_resources, write_plannet_bundle
from map_scenario import open_demo_copy, page_payload

from blueprint_desktop.data.benchmark_store import import_benchmark
from blueprint_desktop.maps.map_page import build_map_html
from blueprint_desktop.maps.page_script import BENCHMARK_FILL, CANDIDATE_FILL, CONTRACTED_FILL

pytestmark = pytest.mark.timeout(240)
READY_MS = 30_000


@pytest.fixture
def demo(tmp_path_factory, tmp_path):
    project = open_demo_copy(tmp_path_factory, tmp_path)
    yield project
    project.close()


def _rival(demo, tmp_path, lines=("007", "008")) -> tuple[int, list[dict]]:
    rows = demo_rows(demo, "market", lines, 300)
    bundle = write_plannet_bundle(tmp_path / "rival.json", plannet_resources(rows))
    result = import_benchmark(demo, bundle, "plannet", name="Rival <MA> & Co")
    return int(result.network_id), rows


def test_page_holds_the_benchmark_layer_and_its_markers(demo, tmp_path) -> None:
    net, rows = _rival(demo, tmp_path)
    path = build_map_html(demo, "007", out_dir=tmp_path / "map", benchmark=net)
    text = path.read_text(encoding="utf-8")
    data = page_payload(text)
    bench = data["benchmark"]
    # The layer's name as the layer control shows it (escaped: Leaflet writes it as HTML).
    assert bench["label"] == "Benchmark: Rival &lt;MA&gt; &amp; Co"
    on_line = {(round(r["lat"], 5), round(r["lon"], 5)) for r in rows if r["line"] == "007"}
    assert {(p[0], p[1]) for p in bench["points"]} == on_line  # 007 only, one marker per place
    lat, lon, tip, popup = bench["points"][0]
    row = next(r for r in rows if (round(r["lat"], 5), round(r["lon"], 5)) == (lat, lon))
    for part in (row["npi"], "Line</span> 007", "Network</span> Rival &lt;MA&gt; &amp; Co (benchmark)"):
        assert part in popup
    assert "Rival &lt;MA&gt; &amp; Co" in tip
    # Its own style, the layer control, and the legend's row.
    assert "L.control.layers" in text and "'Ours: contracted locations'" in text
    assert BENCHMARK_FILL not in (CONTRACTED_FILL, CANDIDATE_FILL) and BENCHMARK_FILL in text
    assert "bp-sw-bench" in data["legend"] and f"<span class='bp-n'>{len(on_line)}</span>" in data["legend"]
    # Nothing online: every src/href of the page is relative (the vendor copy) or the page's own.
    loads = re.findall(r"(?:src|href)\s*=\s*[\"']([^\"']+)", text)
    assert loads and not [u for u in loads if re.match(r"(?i)(https?:)?//", u)]
    # Another line, the service area alone (every line), no benchmark, an unknown id.
    other = page_payload(build_map_html(demo, "008", out_dir=tmp_path / "map", benchmark=net).read_text())
    assert {(p[0], p[1]) for p in other["benchmark"]["points"]} == {
        (round(r["lat"], 5), round(r["lon"], 5)) for r in rows if r["line"] == "008"
    }
    area = page_payload(build_map_html(demo, None, out_dir=tmp_path / "map", benchmark=net).read_text())
    assert len(area["benchmark"]["points"]) == len({(round(r["lat"], 5), round(r["lon"], 5)) for r in rows})
    assert "(all lines)" in area["legend"]
    assert (
        page_payload(build_map_html(demo, "007", out_dir=tmp_path / "map").read_text())["benchmark"] is None
    )
    gone = page_payload(build_map_html(demo, "007", out_dir=tmp_path / "map", benchmark=net + 99).read_text())
    assert gone["benchmark"] is None


def test_many_places_are_capped_and_the_legend_says_so(demo, tmp_path) -> None:
    from blueprint_desktop.maps.benchmark_layer import benchmark_layer

    net, rows = _rival(demo, tmp_path)
    full = benchmark_layer(demo, net, "007")
    few = benchmark_layer(demo, net, "007", max_points=3)
    assert len(few.points) == 3 and few.capped and few.total_points == len(full.points) > 3
    assert not full.capped and full.providers >= len(full.points) > 0


@pytest.fixture
def pane(qtbot):
    from blueprint_desktop.gui.map_pane import MapPane

    widget = MapPane()
    qtbot.addWidget(widget)
    widget.resize(1100, 750)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    from PySide6.QtCore import QCoreApplication, QEvent

    widget.close()
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def js(qtbot, pane, code: str):
    box: list = []
    pane.page.runJavaScript(code, 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return json.loads(box[0])


def test_the_map_pane_draws_the_layer_and_toggles_it(qtbot, pane, demo, tmp_path) -> None:
    net, rows = _rival(demo, tmp_path)
    with qtbot.waitSignal(pane.map_ready, timeout=READY_MS):
        pane.set_project(demo)
    with qtbot.waitSignal(pane.map_ready, timeout=READY_MS):
        pane.show_line("007")
    assert js(qtbot, pane, "JSON.stringify(bp.benchmarkMarkers.length)") == 0
    with qtbot.waitSignal(pane.map_ready, timeout=READY_MS):
        pane.show_benchmark(net, "Rival")
    n = len({(round(r["lat"], 5), round(r["lon"], 5)) for r in rows if r["line"] == "007"})
    state = js(
        qtbot,
        pane,
        "JSON.stringify({n: bp.benchmarkMarkers.length, on: bp.map.hasLayer(bp.benchmark),"
        " drawn: document.querySelectorAll('.bp-bench').length,"
        " control: document.querySelector('.leaflet-control-layers').innerText})",
    )
    assert state["n"] == n and state["on"] and state["drawn"] == n
    assert (
        "Benchmark: Rival <MA> & Co" in state["control"] and "Ours: contracted locations" in state["control"]
    )
    # The layer control's checkbox turns the layer off and on.
    toggle = (
        "var box = Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".filter(function (l) { return l.innerText.indexOf('Benchmark') >= 0; })[0].querySelector('input');"
        " box.click(); JSON.stringify(bp.map.hasLayer(bp.benchmark))"
    )
    assert js(qtbot, pane, toggle) is False
    assert js(qtbot, pane, toggle) is True
    # A popup names the provider, its NPI, the line and the network.
    popup = js(
        qtbot,
        pane,
        "bp.benchmarkMarkers[0].openPopup(); JSON.stringify(document.querySelector('.leaflet-popup-content').innerText)",
    )
    assert "NPI" in popup and "Line 007" in popup and "Rival <MA> & Co (benchmark)" in popup
    # Kept across a change of line; gone when the pane is told None.
    with qtbot.waitSignal(pane.map_ready, timeout=READY_MS):
        pane.show_line("008")
    assert js(qtbot, pane, "JSON.stringify(bp.benchmarkMarkers.length)") > 0
    with qtbot.waitSignal(pane.map_ready, timeout=READY_MS):
        pane.show_benchmark(None)
    assert js(qtbot, pane, "JSON.stringify(bp.benchmarkMarkers.length)") == 0
    assert not pane.interceptor.network_requests() and not pane.page.console_errors
