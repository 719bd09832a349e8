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


OVERLAPS = """JSON.stringify((function () {
  var visible = bp.labels.filter(function (l) {
    return getComputedStyle(l.marker.getElement()).display !== 'none';
  });
  var boxes = visible.map(function (l) {
    var r = l.marker.getElement().querySelector('span').getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
  });
  var agree = visible.length === bp.labels.filter(function (l) { return l.shown; }).length;
  var n = 0;
  for (var i = 0; i < boxes.length; i++) { for (var j = i + 1; j < boxes.length; j++) {
    var a = boxes[i], b = boxes[j];
    if (a[0] < b[2] - 1 && b[0] < a[2] - 1 && a[1] < b[3] - 1 && b[1] < a[3] - 1) { n++; }
  } }
  return {shown: bp.shownTowns(), overlaps: n, agree: agree, hidden: bp.labels.length - visible.length};
})())"""


def test_towns_are_drawn_without_overlap_and_more_show_when_zoomed(qtbot, pane, demo) -> None:
    show(qtbot, pane, demo, "007")
    whole = js(qtbot, pane, OVERLAPS)
    assert {"Houston", "Conroe", "Huntsville"} <= set(whole["shown"])
    # What the page shows is what it placed: no two visible labels overlap, and some were held back.
    assert whole["overlaps"] == 0 and whole["agree"] and whole["hidden"] > 10
    # Zoomed in on Houston: more (smaller) towns, still none over another.
    with qtbot.waitSignal(pane._bridge.view_changed, timeout=10_000):
        js(qtbot, pane, "bp.map.setView([29.76, -95.37], 11, {animate: false}); JSON.stringify(1)")
    near = js(qtbot, pane, OVERLAPS)
    assert near["overlaps"] == 0 and near["agree"]
    assert {"Pasadena", "Bellaire"} & set(near["shown"]) or len(near["shown"]) > 4
    assert set(near["shown"]) - set(whole["shown"])  # towns that only show closer in
    assert pane.page.console_errors == []


def test_the_legend_never_hides_a_popup_and_keeps_the_users_fold(qtbot, pane, demo) -> None:
    show(qtbot, pane, demo, "007")
    folded = "JSON.stringify(bp.legend.getContainer().classList.contains('bp-collapsed'))"
    assert js(qtbot, pane, folded) is False  # a roomy map shows its legend open
    # A popup opened where the legend sits folds the legend; closing the popup unfolds it.
    probe = js(
        qtbot,
        pane,
        "var c = bp.map.containerPointToLatLng([bp.map.getSize().x - 80, 90]);"
        " var m = L.circleMarker(c, {radius: 6}).addTo(bp.map).bindPopup('<div style=\"width:260px;"
        "height:120px\">probe</div>'); m.openPopup();"
        " var r1 = bp.legend.getContainer().getBoundingClientRect(),"
        " r2 = document.querySelector('.leaflet-popup').getBoundingClientRect();"
        " JSON.stringify({folded: bp.legend.getContainer().classList.contains('bp-collapsed'),"
        " covers: r1.left < r2.right && r2.left < r1.right && r1.top < r2.bottom && r2.top < r1.bottom})",
    )
    assert probe == {"folded": True, "covers": False}
    assert js(qtbot, pane, "bp.map.closePopup(); " + folded) is False
    # The user folds it: the next render (another line, a what-if) keeps it folded.
    with qtbot.waitSignal(pane._bridge.view_changed, timeout=10_000):
        js(qtbot, pane, "document.querySelector('.bp-legend .bp-title').click(); JSON.stringify(1)")
    assert pane._view_state["legend"] == "folded"
    show(qtbot, pane, demo, "040")
    assert js(qtbot, pane, folded) is True


def test_a_whatif_on_the_selected_county_keeps_the_users_view(qtbot, pane, demo) -> None:
    """The main window selects the county again after each what-if: the view stays where the user
    left it while the county is in sight."""
    show(qtbot, pane, demo, "007")
    pane.select_county("48039")
    settled = "JSON.stringify(bp.map._animatingZoom ? null : [bp.map.getZoom(), bp.map.getCenter()])"
    qtbot.waitUntil(lambda: js(qtbot, pane, "JSON.stringify(bp.selected)") == "48039", timeout=10_000)
    # The user zooms out a little and pans, keeping Brazoria in view.
    with qtbot.waitSignal(pane._bridge.view_changed, timeout=10_000):
        js(qtbot, pane, "bp.map.setView([29.3, -95.5], 9.25, {animate: false}); JSON.stringify(1)")
    qtbot.waitUntil(lambda: (pane._view_state or {}).get("zoom") == 9.25, timeout=10_000)
    first = js(qtbot, pane, "JSON.stringify(Number(Object.keys(bp.candidates)[0]))")
    with qtbot.waitSignal(pane.map_ready, timeout=READY_MS):
        pane.show_line("007", targets=[first])
        pane.select_county("48039")
    qtbot.wait(400)
    zoom, center = js(qtbot, pane, settled)
    assert zoom == 9.25
    assert abs(center["lat"] - 29.3) < 1e-6 and abs(center["lng"] + 95.5) < 1e-6
    assert js(qtbot, pane, "JSON.stringify(bp.selected)") == "48039"
