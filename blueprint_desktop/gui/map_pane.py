"""The map pane: the offline Leaflet page of one HSD line in a web view, wired to the app.

The page is written by ``maps.map_page.build_map_html`` into a temporary folder per project (with a
copy of Leaflet beside it) and loaded from disk. Offline by construction: the view has its own
off-the-record profile whose request interceptor blocks every http(s)/ws(s) request (and records it,
so tests can assert there were none); only an online tile server the user opted into is let through.

JS -> Python goes over QWebChannel (``MapBridge`` slots, called by the page's ``bp.call``); Python ->
JS through ``runJavaScript`` (``bp.selectCounty``). ``map_ready`` fires when the page reports that
Leaflet is defined and its layers exist (``loadFinished`` alone proves nothing: stock folium with no
network still "loads" a blank page; stack.md).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from blueprint_desktop.errors import BlueprintError
from blueprint_desktop.maps.map_page import TileSource, build_map_html
from blueprint_desktop.maps.page_script import MAP_BACKGROUND

NETWORK_SCHEMES = ("http", "https", "ws", "wss", "ftp")


class OfflineRequestInterceptor(QWebEngineUrlRequestInterceptor):
    """Records every request of the map's profile and blocks the network ones."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.allowed_host_suffixes: tuple[str, ...] = ()

    def interceptRequest(self, info) -> None:  # noqa: N802 - Qt override
        url = info.requestUrl()
        text = url.toString()
        self.requests.append(text)
        if url.scheme().lower() in NETWORK_SCHEMES:
            host = url.host().lower()
            if not any(host == s or host.endswith("." + s) for s in self.allowed_host_suffixes):
                info.block(True)
                self.blocked.append(text)

    def network_requests(self) -> list[str]:
        """Every http(s)/ws(s) request the page attempted (blocked or allowed)."""
        return [u for u in self.requests if QUrl(u).scheme().lower() in NETWORK_SCHEMES]


class _MapPage(QWebEnginePage):
    """Keeps the view on the map (links never navigate it) and collects JavaScript errors."""

    def __init__(self, profile: QWebEngineProfile, parent: QObject | None = None) -> None:
        super().__init__(profile, parent)
        self.console_errors: list[str] = []

    def acceptNavigationRequest(self, url, nav_type, is_main_frame) -> bool:  # noqa: N802 - Qt override
        if nav_type == QWebEnginePage.NavigationType.NavigationTypeLinkClicked:
            return False
        return super().acceptNavigationRequest(url, nav_type, is_main_frame)

    def javaScriptConsoleMessage(self, level, message, line, source) -> None:  # noqa: N802 - Qt override
        if level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel:
            self.console_errors.append(f"{source}:{line}: {message}")


class MapBridge(QObject):
    """The object the page sees as ``bridge``; its slots re-emit as Qt signals."""

    county_clicked = Signal(str)
    add_target = Signal(int)
    page_ready = Signal(str)
    view_changed = Signal(str)

    @Slot(str)
    def countyClicked(self, fips: str) -> None:  # noqa: N802 - name seen by the page
        self.county_clicked.emit(str(fips))

    @Slot(str)
    def addTarget(self, provider_id: str) -> None:  # noqa: N802 - name seen by the page
        try:
            self.add_target.emit(int(float(provider_id)))
        except ValueError:
            return  # a malformed id from the page: nothing to add

    @Slot(str)
    def pageReady(self, info: str) -> None:  # noqa: N802 - name seen by the page
        self.page_ready.emit(info)

    @Slot(str)
    def viewChanged(self, view: str) -> None:  # noqa: N802 - name seen by the page
        self.view_changed.emit(view)


class MapPane(QWidget):
    """Service-area map of one line; ``set_project`` then ``show_line`` / ``select_county``."""

    county_clicked = Signal(str)  # 5-digit FIPS of a clicked county
    candidate_add_requested = Signal(int)  # providers.id of a candidate the user wants as a target
    map_ready = Signal()  # the page loaded, Leaflet is defined and the layers are drawn
    map_failed = Signal(str)  # why the map could not be shown

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._project = None
        self._line: str | None = None
        self._results: list[dict] | None = None
        self._targets: list[int] | None = None
        self._benchmark: int | None = None  # benchmark network drawn as a layer (the benchmark pane's pick)
        self._tiles: TileSource | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._html: Path | None = None
        self._renders = 0
        self._ready = False
        self._pending_select: str | None = None
        self._pending_keep = False
        self._selected: str | None = None
        self._view_state: dict | None = None

        self.view = QWebEngineView(self)
        self._profile = QWebEngineProfile()  # no storage name: off the record, nothing on disk
        self.interceptor = OfflineRequestInterceptor(self._profile)
        self._profile.setUrlRequestInterceptor(self.interceptor)
        self.page = _MapPage(self._profile, self.view)
        # A profile must outlive its pages: as the page's child it is destroyed only after the page,
        # whatever order the pane, the view and Python's garbage collector take them down in.
        self._profile.setParent(self.page)
        # Same colour as the map's background, so a re-render shows no white flash between pages.
        self.page.setBackgroundColor(QColor(MAP_BACKGROUND))
        settings = self.page.settings()
        # Chromium's own file:// -> web block would stop a stray request before the interceptor sees it;
        # letting it through to the interceptor makes the interceptor the one gate, which both blocks
        # and records (so "no network request" is observed, not assumed), and lets opted-in tiles pass.
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, True)
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, True)
        self.view.setPage(self.page)

        self._bridge = MapBridge(self)
        self._channel = QWebChannel(self.page)
        self._channel.registerObject("bridge", self._bridge)
        self.page.setWebChannel(self._channel)
        self._bridge.county_clicked.connect(self._remember_selection)
        self._bridge.county_clicked.connect(self.county_clicked)
        self._bridge.add_target.connect(self.candidate_add_requested)
        self._bridge.page_ready.connect(self._on_page_ready)
        self._bridge.view_changed.connect(self._on_view_changed)
        self.page.loadFinished.connect(self._on_load_finished)

        self._message = QLabel(self)
        self._message.setWordWrap(True)
        self._message.setStyleSheet("QLabel { color: #52606d; padding: 12px; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._message)
        layout.addWidget(self.view, 1)
        self._show_message("Open a project to see its service area on the map.")

    # -- public interface ------------------------------------------------------------------------
    def set_project(self, project) -> None:
        """Show ``project``'s service area (no line yet); None clears the map."""
        self._project = project
        self._line, self._results, self._targets = None, None, None
        self._view_state = None
        self._pending_select = self._selected = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        if project is None:
            self._ready = False
            self._html = None
            self.page.setHtml("")
            self._show_message("Open a project to see its service area on the map.")
            return
        self._tmp = tempfile.TemporaryDirectory(prefix="blueprint-map-")
        self._render()

    def show_line(
        self, line_code: str, results: list[dict] | None = None, targets: list[int] | None = None
    ) -> None:
        """Colour the service area by ``line_code``'s results (None: the latest run) with candidates;
        ``targets`` (provider ids assumed signed in a what-if) are drawn highlighted."""
        self._line = line_code
        self._results = results
        self._targets = list(targets) if targets else None
        self._render()

    def show_benchmark(self, network_id: int | None, name: str = "") -> None:
        """Draw benchmark network ``network_id``'s locations (on the line shown, else every line) as a layer
        the user can turn off and on; None removes it. Kept across lines and re-renders; the caller (the
        benchmark pane) sets it again for each project it opens. ``name`` is the caller's label only: the
        page reads the network's name from the project."""
        network_id = None if network_id is None else int(network_id)
        if network_id == self._benchmark:
            return
        self._benchmark = network_id
        if self._project is not None:
            self._render()

    @property
    def benchmark(self) -> int | None:
        return self._benchmark

    def select_county(self, fips: str) -> None:
        """Pan and zoom to a county and highlight it (queued until the page is ready).

        Selecting the county already selected (the main window does after each what-if and line
        switch) only highlights it: the user's pan and zoom stay while any of the county is in view."""
        fips = str(fips)
        keep = fips == self._selected
        self._selected = fips
        if not self._ready:
            if self._pending_select != fips:
                self._pending_keep = keep  # the same county asked again keeps the first request's way
            self._pending_select = fips
            return
        self._run_select(fips, keep)

    def _run_select(self, fips: str, keep_view: bool) -> None:
        self.page.runJavaScript(
            f"window.bp && bp.selectCounty({json.dumps(fips)}, {json.dumps(bool(keep_view))});", 0
        )

    def set_online_tiles(self, tiles: TileSource | None) -> None:
        """Draw an online basemap under the counties (a user setting; None, the default, is offline)."""
        self._tiles = tiles
        suffixes: tuple[str, ...] = ()
        if tiles is not None:
            host = QUrl(tiles.url.replace("{s}", "a")).host().lower()
            # "{s}.tile.example.org" serves from a.tile..., b.tile...: allow the parent domain.
            parent = host.split(".", 1)[1] if "{s}" in tiles.url and "." in host else host
            suffixes = (parent,)
        self.interceptor.allowed_host_suffixes = suffixes
        if self._project is not None:
            self._render()

    @property
    def html_path(self) -> Path | None:
        """The page currently shown (for tests and "open in browser")."""
        return self._html

    @property
    def is_ready(self) -> bool:
        return self._ready

    # -- internals -------------------------------------------------------------------------------
    def _show_message(self, text: str) -> None:
        self._message.setText(text)
        self._message.setVisible(bool(text))

    def _render(self) -> None:
        if self._project is None or self._tmp is None:
            return
        self._renders += 1
        try:
            path = build_map_html(
                self._project,
                self._line,
                self._results,
                self._targets,
                out_dir=self._tmp.name,
                bridge=True,
                tiles=self._tiles,
                view=self._view_state,
                file_name=f"map-{self._renders}.html",
                benchmark=self._benchmark,
            )
        except BlueprintError as exc:
            self._ready = False
            self._show_message(str(exc))
            self.map_failed.emit(str(exc))
            return
        previous, self._html = self._html, path
        self._ready = False
        self._show_message("")
        self.page.load(QUrl.fromLocalFile(str(path)))
        if previous is not None and previous != path:
            previous.unlink(missing_ok=True)  # already parsed by the old page; keep the folder small

    @Slot(bool)
    def _on_load_finished(self, ok: bool) -> None:
        if self._html is None or self.page.url() != QUrl.fromLocalFile(str(self._html)):
            return  # the blank page of "no project", or a superseded render
        if not ok:
            self._fail("the map page did not load")
            return
        self.page.runJavaScript("JSON.stringify({leaflet: typeof L})", 0, self._check_leaflet)

    def _check_leaflet(self, result) -> None:
        try:
            leaflet = json.loads(result or "{}").get("leaflet")
        except (TypeError, ValueError):
            leaflet = None
        if leaflet != "object":
            self._fail("Leaflet did not load (the xstatic-leaflet files are missing from the map folder)")

    def _fail(self, why: str) -> None:
        self._ready = False
        self._show_message(f"The map cannot be shown: {why}.")
        self.map_failed.emit(why)

    @Slot(str)
    def _on_page_ready(self, info: str) -> None:
        try:
            leaflet = json.loads(info).get("leaflet")
        except (TypeError, ValueError):
            leaflet = None
        if leaflet != "object":
            self._fail("Leaflet is not defined in the page")
            return
        self._ready = True
        if self._pending_select:
            fips, self._pending_select = self._pending_select, None
            self._run_select(fips, self._pending_keep)
        elif self._selected:
            # A re-render (another line, new targets) keeps the selected county highlighted, in place.
            self.page.runJavaScript(f"window.bp && bp.highlight({json.dumps(self._selected)});", 0)
        self.map_ready.emit()

    @Slot(str)
    def _remember_selection(self, fips: str) -> None:
        self._selected = fips

    @Slot(str)
    def _on_view_changed(self, view: str) -> None:
        # Remember the user's pan, zoom and legend so switching lines keeps the same view.
        try:
            state = json.loads(view)
            self._view_state = {
                "lat": float(state["lat"]),
                "lon": float(state["lon"]),
                "zoom": float(state["zoom"]),
            }
            if state.get("legend") in ("open", "folded"):
                self._view_state["legend"] = state["legend"]  # the user folded or unfolded it
        except (TypeError, ValueError, KeyError):
            return
