"""The map pane in a real (offscreen) Qt WebEngine: it draws, talks both ways, and stays offline."""

from __future__ import annotations

import json

import pytest
from map_scenario import open_demo_copy

from blueprint_desktop.demo import SERVICE_AREA

READY_MS = 30_000


@pytest.fixture
def demo(tmp_path_factory, tmp_path):
    project = open_demo_copy(tmp_path_factory, tmp_path)
    yield project
    project.close()


@pytest.fixture
def pane(qtbot):
    from blueprint_desktop.gui.map_pane import MapPane

    widget = MapPane()
    qtbot.addWidget(widget)
    widget.resize(1100, 750)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    # Delete it now, while the QApplication lives: a web page left for interpreter exit outlives
    # WebEngine's own shutdown (Qt warns "Release of profile requested but WebEnginePage still not deleted").
    from PySide6.QtCore import QCoreApplication, QEvent

    widget.close()
    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def js(qtbot, pane, code: str):
    """Run ``code`` (which must return a JSON string) in the page and return the decoded value."""
    box: list = []
    pane.page.runJavaScript(code, 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return json.loads(box[0])


def show(qtbot, pane, demo, line: str | None = "007", targets=None) -> None:
    with qtbot.waitSignal(pane.map_ready, timeout=READY_MS):
        if pane.html_path is None:
            pane.set_project(demo)
        if line is not None:
            pane.show_line(line, targets=targets)


def test_map_draws_with_leaflet_and_every_county(qtbot, pane, demo) -> None:
    show(qtbot, pane, demo, line=None)  # the service area alone, before any line is chosen
    show(qtbot, pane, demo, "007")
    assert pane.is_ready and pane.html_path.name.startswith("map-")
    probe = js(
        qtbot,
        pane,
        "JSON.stringify({L: typeof L, version: L.version,"
        " paths: document.querySelectorAll('path.leaflet-interactive').length,"
        " counties: Object.keys(bp.counties).sort(), candidates: Object.keys(bp.candidates).length,"
        " legend: document.querySelector('.bp-legend .bp-title').textContent})",
    )
    assert probe["L"] == "object" and probe["version"].startswith("1.9")
    assert probe["counties"] == sorted(SERVICE_AREA)
    # One interactive path per county, plus the candidate and contracted circles.
    assert probe["paths"] >= len(SERVICE_AREA) + probe["candidates"]
    assert probe["candidates"] > 0
    assert probe["legend"].startswith("007 Allergy and Immunology")
    # Offline: the page asked for its own file, the QWebChannel script and the vendor copies only.
    assert pane.interceptor.network_requests() == []
    assert any(u.startswith("qrc:///qtwebchannel/") for u in pane.interceptor.requests)
    assert any(u.endswith("/vendor/leaflet.js") for u in pane.interceptor.requests)
    assert all(u.startswith(("file://", "qrc:", "data:")) for u in pane.interceptor.requests)
    assert pane.page.console_errors == []


def test_clicks_reach_python(qtbot, pane, demo) -> None:
    show(qtbot, pane, demo, "007")
    with qtbot.waitSignal(pane.county_clicked, timeout=10_000) as clicked:
        js(qtbot, pane, "bp.counties['48039'].fire('click'); JSON.stringify(bp.selected)")
    assert clicked.args == ["48039"]
    # A candidate's popup offers "Add to targets"; pressing it asks the app to add that provider.
    first = js(qtbot, pane, "JSON.stringify(Number(Object.keys(bp.candidates)[0]))")
    with qtbot.waitSignal(pane.candidate_add_requested, timeout=10_000) as added:
        js(
            qtbot,
            pane,
            f"bp.candidates[{first}][0].openPopup();"
            " var b = document.querySelector('.leaflet-popup-content button.bp-add');"
            " b.click(); JSON.stringify(b.textContent)",
        )
    assert added.args == [first]
    assert pane.interceptor.network_requests() == []


def test_select_county_zooms_and_highlights(qtbot, pane, demo) -> None:
    show(qtbot, pane, demo, "040")
    before = js(qtbot, pane, "JSON.stringify(bp.map.getZoom())")
    pane.select_county("48471")  # Walker
    qtbot.waitUntil(lambda: js(qtbot, pane, "JSON.stringify(bp.map.getZoom())") > before, timeout=10_000)
    state = js(
        qtbot,
        pane,
        "JSON.stringify({sel: bp.selected, weight: bp.counties['48471'].options.weight,"
        " inView: bp.map.getBounds().contains(bp.counties['48471'].getBounds())})",
    )
    assert state == {"sel": "48471", "weight": 5, "inView": True}
    # Selecting before the page is ready waits for it (the main window may do that on start-up).
    with qtbot.waitSignal(pane.map_ready, timeout=READY_MS):
        pane.show_line("007")
        pane.select_county("48039")
    qtbot.waitUntil(lambda: js(qtbot, pane, "JSON.stringify(bp.selected)") == "48039", timeout=10_000)
    # Another line keeps the selection highlighted (and the view where the user left it). Wait for
    # the zoom animation to Brazoria to end and for the pane to have heard the new view.
    settled = "JSON.stringify(bp.map._animatingZoom ? 0 : bp.map.getZoom())"
    qtbot.waitUntil(lambda: js(qtbot, pane, settled) > before, timeout=10_000)
    zoom = js(qtbot, pane, settled)
    qtbot.waitUntil(lambda: (pane._view_state or {}).get("zoom") == zoom, timeout=10_000)
    with qtbot.waitSignal(pane.map_ready, timeout=READY_MS):
        pane.show_line("040")
    qtbot.waitUntil(lambda: js(qtbot, pane, "JSON.stringify(bp.selected)") == "48039", timeout=10_000)
    assert js(qtbot, pane, "JSON.stringify(bp.map.getZoom())") == zoom


def test_targets_redraw_and_the_interceptor_blocks_the_network(qtbot, pane, demo) -> None:
    show(qtbot, pane, demo, "007")
    first = js(qtbot, pane, "JSON.stringify(Number(Object.keys(bp.candidates)[0]))")
    old_page = pane.html_path
    show(qtbot, pane, demo, "007", targets=[first])
    assert pane.html_path != old_page and not old_page.exists()
    drawn = js(qtbot, pane, f"JSON.stringify([Object.keys(bp.targets), {first} in bp.candidates])")
    assert drawn == [[str(first)], False]
    # Positive control: a request for a web address is seen and blocked, so "no requests" above means
    # the page really asked for none.
    js(qtbot, pane, "var i = new Image(); i.src = 'https://tiles.example.org/1/2/3.png'; JSON.stringify(1)")
    qtbot.waitUntil(lambda: bool(pane.interceptor.blocked), timeout=10_000)
    assert pane.interceptor.blocked == ["https://tiles.example.org/1/2/3.png"]
    # Same for JavaScript errors: one is collected, so "no console errors" above is meaningful.
    js(qtbot, pane, "console.error('probe error'); JSON.stringify(1)")
    qtbot.waitUntil(lambda: any("probe error" in e for e in pane.page.console_errors), timeout=10_000)
    # Closing the project clears the map, quietly (a blank page is not a failure).
    failures: list[str] = []
    pane.map_failed.connect(failures.append)
    with qtbot.waitSignal(pane.page.loadFinished, timeout=10_000):
        pane.set_project(None)
    qtbot.wait(200)
    assert not pane.is_ready and pane.html_path is None and failures == []
    assert "Open a project" in pane._message.text()


def test_plain_page_without_the_bridge_draws_too(qtbot, pane, demo, tmp_path) -> None:
    """The page built without QWebChannel (for an ordinary browser) draws and raises no error."""
    from PySide6.QtCore import QUrl

    from blueprint_desktop.maps.map_page import build_map_html

    plain = build_map_html(demo, "007", out_dir=tmp_path / "plain")
    with qtbot.waitSignal(pane.page.loadFinished, timeout=READY_MS):
        pane.page.load(QUrl.fromLocalFile(str(plain)))
    probe = js(
        qtbot,
        pane,
        "JSON.stringify({L: typeof L, bridge: typeof QWebChannel, counties: Object.keys(bp.counties).length,"
        " click: bp.call('countyClicked', '48039')})",
    )
    assert probe == {"L": "object", "bridge": "undefined", "counties": len(SERVICE_AREA), "click": False}
    assert pane.page.console_errors == []
    assert pane.interceptor.network_requests() == []


def test_a_page_without_leaflet_is_reported_not_ready(qtbot, pane, demo, monkeypatch) -> None:
    """loadFinished(True) with Leaflet missing must not count as ready (stack.md gotcha)."""
    import blueprint_desktop.gui.map_pane as map_pane_module

    real = map_pane_module.build_map_html

    def without_leaflet(*args, **kwargs):
        path = real(*args, **kwargs)
        (path.parent / "vendor" / "leaflet.js").unlink()
        return path

    monkeypatch.setattr(map_pane_module, "build_map_html", without_leaflet)
    ready: list[bool] = []
    pane.map_ready.connect(lambda: ready.append(True))
    with qtbot.waitSignal(pane.map_failed, timeout=READY_MS) as failed:
        pane.set_project(demo)
    assert "Leaflet did not load" in failed.args[0]
    assert ready == [] and not pane.is_ready
    assert "cannot be shown" in pane._message.text()


def test_online_tiles_open_only_their_own_host(pane) -> None:
    from blueprint_desktop.maps.map_page import TileSource

    assert pane.interceptor.allowed_host_suffixes == ()  # offline unless the user opts in
    pane.set_online_tiles(TileSource("https://{s}.tile.example.org/{z}/{x}/{y}.png", "Example"))
    assert pane.interceptor.allowed_host_suffixes == ("tile.example.org",)
    pane.set_online_tiles(TileSource("https://maps.example.net/{z}/{x}/{y}.png", "Example"))
    assert pane.interceptor.allowed_host_suffixes == ("maps.example.net",)
    pane.set_online_tiles(None)
    assert pane.interceptor.allowed_host_suffixes == ()
