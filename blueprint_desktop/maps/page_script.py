"""The page's own CSS and JavaScript: builds the layers from one JSON payload and talks to the app.

One data-driven script rather than one folium object per marker keeps the page small (a few hundred
markers are a JSON array, not a few hundred generated blocks) and gives the app a registry to address
layers by county FIPS and provider id (``window.bp``):

* ``bp.selectCounty(fips, keepView)``: fit the map to a county and highlight it (Python -> JS,
  runJavaScript); with ``keepView`` (the same county again) only highlight it while it is in view;
* county and town labels (``bp.labels``, placed again after each zoom: overlapping ones hidden);
* county click -> ``bridge.countyClicked(fips)``; the popup's "Add to targets" button ->
  ``bridge.addTarget(providerId)``; ``bridge.pageReady(json)`` once the layers exist and
  ``bridge.viewChanged(json)`` after a pan or zoom (JS -> Python over QWebChannel, only when the page
  is built with the bridge; without it the page is a plain offline HTML file any browser opens).
"""

from __future__ import annotations

# A pale blue background reads as water along coasts; neighbouring land is a lighter grey.
MAP_BACKGROUND = "#d9e4ec"
SELECTED_COLOR = "#0d47a1"
CONTRACTED_FILL = "#263238"
CANDIDATE_FILL = "#42a5f5"
CANDIDATE_EDGE = "#0d47a1"
TARGET_FILL = "#8e24aa"
TARGET_EDGE = "#4a148c"
BENCHMARK_FILL = "#ef6c00"  # orange diamonds: a shape and hue neither our dots nor the candidates use
BENCHMARK_EDGE = "#ffffff"
CONTEXT_FILL = "#eef0f2"
CONTEXT_EDGE = "#c9ced4"

CSS = f"""
html, body {{ background: {MAP_BACKGROUND}; }}
/* More specific than leaflet.css and folium's own rules, which load after this block. */
html body .leaflet-container {{ background: {MAP_BACKGROUND}; font: 13px/1.35 "Segoe UI", "DejaVu Sans", Arial,
  sans-serif; }}
.bp-legend {{ background: rgba(255,255,255,0.96); padding: 8px 11px 9px; border-radius: 6px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.35); max-width: 300px; color: #1f2933; }}
.bp-legend .bp-title {{ font-weight: 600; font-size: 14px; margin-bottom: 1px; cursor: pointer; }}
.bp-legend .bp-title:after {{ content: " \\25BE"; color: #7b8794; font-weight: normal; }}
.bp-legend.bp-collapsed .bp-title:after {{ content: " \\25B8"; }}
.bp-legend.bp-collapsed .bp-body {{ display: none; }}
.bp-legend .bp-sub {{ color: #52606d; font-size: 12px; margin-bottom: 6px; }}
.bp-legend .bp-row {{ display: flex; align-items: center; margin: 3px 0; }}
.bp-legend .bp-sw {{ width: 16px; height: 12px; border-radius: 2px; margin-right: 7px; flex: none;
  border: 1px solid rgba(0,0,0,0.25); }}
.bp-legend .bp-gap {{ background: #ffffff; border: 3px solid #555; width: 12px; height: 8px; }}
.bp-legend .bp-dot {{ border-radius: 50%; margin-right: 7px; flex: none; }}
.bp-legend .bp-n {{ color: #52606d; margin-left: 4px; }}
.bp-legend .bp-note {{ color: #52606d; font-size: 11.5px; margin-top: 5px; }}
.bp-legend hr {{ border: 0; border-top: 1px solid #d9dee3; margin: 6px 0; }}
.bp-label span {{ position: absolute; transform: translate(-50%, -50%); white-space: nowrap;
  font-size: 11px; font-weight: 600; color: #3e4c59; pointer-events: none; text-transform: uppercase;
  letter-spacing: 0.08em; text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }}
.bp-town {{ pointer-events: none; }}
.bp-town i {{ position: absolute; left: -3px; top: -3px; width: 6px; height: 6px; border-radius: 50%;
  background: #fff; border: 1.5px solid #1f2933; box-sizing: border-box; }}
.bp-town span {{ position: absolute; left: 6px; top: 0; transform: translateY(-50%); white-space: nowrap;
  font-size: 11.5px; color: #1f2933; font-style: italic;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff, 0 0 1px #fff; }}
.bp-town.bp-town-left span {{ left: auto; right: 6px; }}
.bp-town.bp-town-big.bp-town-left span {{ right: 7px; }}
.bp-town.bp-town-town span {{ font-size: 12.5px; font-style: normal; font-weight: 600; }}
.bp-town.bp-town-big span {{ font-size: 14px; font-style: normal; font-weight: 700; }}
.bp-town.bp-town-big i {{ width: 8px; height: 8px; left: -4px; top: -4px; background: #1f2933; }}
html body .leaflet-container .bp-hidden {{ display: none !important; }}
.bp-tip {{ font-size: 12.5px; line-height: 1.4; }}
.bp-chip {{ display: inline-block; padding: 0 6px; border-radius: 8px; font-weight: 600; }}
.bp-popup {{ font-size: 12.5px; line-height: 1.45; }}
.bp-popup b {{ font-size: 13.5px; }}
.bp-popup .bp-muted {{ color: #52606d; }}
.bp-popup hr.bp-sep {{ border: 0; border-top: 1px solid #d9dee3; margin: 5px 0; }}
.bp-bench i {{ position: absolute; left: -5px; top: -5px; width: 10px; height: 10px; box-sizing: border-box;
  background: {BENCHMARK_FILL}; border: 1.5px solid {BENCHMARK_EDGE}; transform: rotate(45deg);
  box-shadow: 0 0 1px rgba(0,0,0,0.6); }}
.bp-legend .bp-sw-bench {{ width: 9px; height: 9px; margin: 0 10px 0 3px; flex: none; transform: rotate(45deg);
  background: {BENCHMARK_FILL}; border: 1.5px solid {BENCHMARK_EDGE}; box-shadow: 0 0 1px rgba(0,0,0,0.6); }}
.leaflet-control-layers label {{ margin: 2px 0; }}
.bp-popup button {{ margin-top: 7px; padding: 4px 10px; font: inherit; font-weight: 600; color: #fff;
  background: {CANDIDATE_EDGE}; border: 0; border-radius: 4px; cursor: pointer; }}
.bp-popup button:hover {{ background: #1565c0; }}
"""

# ``__MAP__`` is the folium map's JS variable, ``__DATA__`` the JSON payload (see map_page.py).
SCRIPT = f"""
(function () {{
  var map = __MAP__;
  var data = __DATA__;
  var bp = window.bp = {{ map: map, data: data, counties: {{}}, candidates: {{}}, targets: {{}},
                         selected: null, ready: false }};

  function call(name, arg) {{
    if (window.pyBridge && window.pyBridge[name]) {{ window.pyBridge[name](String(arg)); return true; }}
    return false;
  }}
  bp.call = call;
  if (map.attributionControl) {{ map.attributionControl.setPrefix('Leaflet'); }}
  // Popups pan clear of the top edge, where the (folded) legend sits.
  L.Popup.mergeOptions({{ autoPanPaddingTopLeft: L.point(16, 52) }});

  function pane(name, z, events) {{
    var p = map.createPane(name);
    p.style.zIndex = z;
    if (!events) {{ p.style.pointerEvents = 'none'; }}
  }}
  pane('bpContext', 350, false);
  pane('bpLabels', 450, false);
  pane('bpPoints', 460, true);
  // Their small diamonds above our candidates' circles (often the same practice), below the targets.
  pane('bpBench', 465, true);
  pane('bpTargets', 470, true);

  if (data.tiles) {{
    L.tileLayer(data.tiles.url, {{ attribution: data.tiles.attribution, maxZoom: 18 }}).addTo(map);
  }}
  L.geoJSON(data.context, {{ pane: 'bpContext', interactive: false,
    style: {{ color: '{CONTEXT_EDGE}', weight: 1, fillColor: '{CONTEXT_FILL}',
             fillOpacity: data.tiles ? 0 : 1 }} }}).addTo(map);

  function baseStyle(p) {{
    return {{ color: p.gap ? p.edge : '#ffffff', weight: p.gap ? 3.5 : 1.3, opacity: 1,
             fillColor: p.color, fillOpacity: data.tiles ? 0.45 : 0.62, dashArray: null }};
  }}
  var selectedStyle = {{ color: '{SELECTED_COLOR}', weight: 5, opacity: 1, fillOpacity: 0.75 }};

  bp.highlight = function (fips) {{
    var layer = bp.counties[fips];
    if (!layer) {{ return false; }}
    if (bp.selected && bp.counties[bp.selected]) {{
      var prev = bp.counties[bp.selected];
      prev.setStyle(baseStyle(prev.feature.properties));
    }}
    layer.setStyle(selectedStyle);
    layer.bringToFront();
    bp.selected = fips;
    return true;
  }};
  // keepView (the county selected again, e.g. after a what-if or another line): highlight it and
  // leave the user's pan and zoom alone while any of the county is in view.
  bp.selectCounty = function (fips, keepView) {{
    var layer = bp.counties[fips];
    if (!layer) {{ return false; }}
    bp.highlight(fips);
    if (keepView && map.getBounds().intersects(layer.getBounds())) {{ return true; }}
    var fit = function () {{
      map.fitBounds(layer.getBounds(), {{ paddingTopLeft: [40, 40], paddingBottomRight: [legendRoom() + 16, 40],
                                         maxZoom: 11 }});
    }};
    // Leaflet drops a new zoom while a zoom animation is running: wait for it to end instead.
    if (map._animatingZoom) {{ map.once('zoomend', fit); }} else {{ fit(); }}
    return true;
  }};

  var countyLayer = L.geoJSON(data.counties, {{
    style: function (f) {{ return baseStyle(f.properties); }},
    onEachFeature: function (f, layer) {{
      var p = f.properties;
      bp.counties[p.fips] = layer;
      layer.bindTooltip(p.tip, {{ sticky: true, className: 'bp-tip', direction: 'top', offset: [0, -8] }});
      layer.on('click', function () {{
        bp.highlight(p.fips);
        call('countyClicked', p.fips);
      }});
      layer.on('mouseover', function () {{
        if (bp.selected !== p.fips) {{ layer.setStyle({{ fillOpacity: 0.8 }}); }}
      }});
      layer.on('mouseout', function () {{
        if (bp.selected !== p.fips) {{ layer.setStyle(baseStyle(p)); }}
      }});
    }}
  }}).addTo(map);
  bp.countyLayer = countyLayer;

  // County names, then towns (largest first, more as the user zooms in); a label that would overlap
  // one already placed is hidden, so the view stays readable at every zoom.
  var labels = [];
  data.labels.forEach(function (l) {{
    var m = L.marker([l.lat, l.lon], {{ pane: 'bpLabels', interactive: false, keyboard: false,
      icon: L.divIcon({{ className: 'bp-label', html: '<span>' + l.text + '</span>', iconSize: null }})
    }}).addTo(map);
    labels.push({{ marker: m, minZoom: 0, centred: true, w: l.text.length * 8.2 + 6, h: 15, rank: 1 }});
  }});
  (data.towns || []).forEach(function (t) {{
    var m = L.marker([t.lat, t.lon], {{ pane: 'bpLabels', interactive: false, keyboard: false,
      icon: L.divIcon({{ className: 'bp-town bp-town-' + t.size, html: '<i></i><span>' + t.text + '</span>',
                        iconSize: null }})
    }}).addTo(map);
    var em = t.size === 'big' ? 8.4 : (t.size === 'town' ? 7.4 : 6.6);
    labels.push({{ marker: m, minZoom: t.minZoom, centred: false, w: t.text.length * em + 10,
                  h: t.size === 'big' ? 17 : 15, town: t.text, rank: t.minZoom > 0 ? 2 : 0 }});
  }});
  // Placed in this order: each county's largest town, the county names (moved off a town when they
  // must be), then the other towns by size.
  labels.forEach(function (l, i) {{ l.order = i; }});
  labels.sort(function (a, b) {{ return a.rank - b.rank || a.order - b.order; }});
  bp.labels = labels;
  function placeLabels() {{
    var zoom = map.getZoom(), taken = [];
    labels.forEach(function (l) {{
      var el = l.marker.getElement();
      if (!el) {{ return; }}
      var show = zoom >= l.minZoom;
      if (show) {{
        var p = map.latLngToLayerPoint(l.marker.getLatLng());
        // A county name sits on its point; a town's name goes right of its dot, else left of it.
        var tries = l.centred ? [0, 1, -1].map(function (d) {{
              var y = p.y + d * (l.h + 3);
              return [p.x - l.w / 2, y - l.h / 2, p.x + l.w / 2, y + l.h / 2];
            }})
          : [[p.x - 5, p.y - l.h / 2, p.x + l.w, p.y + l.h / 2], [p.x - l.w, p.y - l.h / 2, p.x + 5, p.y + l.h / 2]];
        var box = null, side = 0;
        if (isFinite(p.x) && isFinite(p.y)) {{
          for (var k = 0; k < tries.length && !box; k++) {{
            var free = true;
            for (var i = 0; i < taken.length && free; i++) {{
              var a = tries[k], b = taken[i];
              if (a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]) {{ free = false; }}
            }}
            if (free) {{ box = tries[k]; side = k; }}
          }}
        }}
        show = box !== null;
        if (show) {{ taken.push(box); }}
        if (l.centred) {{
          var span = el.querySelector('span');
          if (span) {{ span.style.marginTop = (side === 0 ? 0 : (side === 1 ? 1 : -1) * (l.h + 3)) + 'px'; }}
        }} else if (side === 1) {{ L.DomUtil.addClass(el, 'bp-town-left'); }} else {{ L.DomUtil.removeClass(el, 'bp-town-left'); }}
      }}
      l.shown = show;
      if (show) {{ L.DomUtil.removeClass(el, 'bp-hidden'); }} else {{ L.DomUtil.addClass(el, 'bp-hidden'); }}
    }});
  }}
  bp.placeLabels = placeLabels;
  bp.shownTowns = function () {{
    return labels.filter(function (l) {{ return l.town && l.shown; }}).map(function (l) {{ return l.town; }});
  }};
  // After every zoom, pan and resize: a page laid out while its dock was hidden has no size yet, so
  // the first placement cannot tell overlaps apart.
  map.on('zoomend moveend resize viewreset', placeLabels);

  var ours = L.layerGroup().addTo(map);
  bp.ours = ours;
  data.contracted.forEach(function (c) {{
    L.circleMarker([c[0], c[1]], {{ pane: 'bpPoints', radius: data.contractedRadius, color: '#ffffff',
      weight: 0.8, fillColor: '{CONTRACTED_FILL}', fillOpacity: 0.9 }})
      .bindTooltip(c[2], {{ className: 'bp-tip' }}).addTo(ours);
  }});

  // A benchmark (competitor) network: its own layer, which the layer control turns off and on, with
  // ours beside it, so the user can look at ours, theirs, or both.
  bp.benchmarkMarkers = [];
  if (data.benchmark) {{
    var theirs = L.layerGroup().addTo(map);
    var diamond = L.divIcon({{ className: 'bp-bench', html: '<i></i>', iconSize: null }});
    data.benchmark.points.forEach(function (b) {{
      var m = L.marker([b[0], b[1]], {{ pane: 'bpBench', icon: diamond, keyboard: false }});
      m.bindTooltip(b[2], {{ className: 'bp-tip' }});
      m.bindPopup(b[3], {{ maxWidth: 320, maxHeight: 320, className: 'bp-popup-wrap' }});
      m.addTo(theirs);
      bp.benchmarkMarkers.push(m);
    }});
    bp.benchmark = theirs;
    var overlays = {{}};
    overlays['Ours: contracted locations'] = ours;
    overlays[data.benchmark.label] = theirs;
    bp.layers = L.control.layers(null, overlays, {{ collapsed: false, position: 'topleft' }}).addTo(map);
  }}

  function addPoints(list, registry, paneName, style) {{
    list.forEach(function (c) {{
      registry[c.id] = [];
      c.locs.forEach(function (ll) {{
        var m = L.circleMarker(ll, L.extend({{ pane: paneName, radius: c.r }}, style));
        m.bindPopup(c.popup, {{ maxWidth: 320, className: 'bp-popup-wrap' }});
        m.bindTooltip(c.tip, {{ className: 'bp-tip' }});
        registry[c.id].push(m);
        m.addTo(map);
      }});
    }});
  }}
  addPoints(data.candidates, bp.candidates, 'bpPoints',
    {{ color: '{CANDIDATE_EDGE}', weight: 1.5, fillColor: '{CANDIDATE_FILL}', fillOpacity: 0.4 }});
  addPoints(data.targets, bp.targets, 'bpTargets',
    {{ color: '{TARGET_EDGE}', weight: 2.5, fillColor: '{TARGET_FILL}', fillOpacity: 0.85 }});

  bp.addTarget = function (id) {{
    map.closePopup();
    return call('addTarget', id);
  }};

  // Keep the map's subject clear of the legend when the map is wide enough to spare the room.
  function legendRoom() {{
    var lw = bp.legend ? bp.legend.getContainer().offsetWidth : 0;
    return map.getSize().x > 2.6 * lw ? lw : 0;
  }}
  var legend = L.control({{ position: 'topright' }});
  legend.onAdd = function () {{
    var div = L.DomUtil.create('div', 'bp-legend');
    div.innerHTML = data.legend;
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    var title = div.querySelector('.bp-title');
    if (title) {{
      title.title = 'Click to fold or unfold the legend';
      title.addEventListener('click', function () {{
        var fold = !L.DomUtil.hasClass(div, 'bp-collapsed');
        if (fold) {{ L.DomUtil.addClass(div, 'bp-collapsed'); }} else {{ L.DomUtil.removeClass(div, 'bp-collapsed'); }}
        bp.legendFolded = false;  // the user's own choice: a closing popup does not undo it
        bp.legendState = fold ? 'folded' : 'open';
        reportView();
      }});
    }}
    return div;
  }};
  legend.addTo(map);
  bp.legend = legend;
  // The user's last fold or unfold survives re-renders (it travels with the view); with no choice yet,
  // the legend starts folded when it would cover much of a small map.
  bp.legendState = data.view && data.view.legend ? data.view.legend : null;
  (function () {{
    var div = legend.getContainer(), size = map.getSize();
    var fold = bp.legendState ? bp.legendState === 'folded'
      : (size.x > 0 && (div.offsetWidth * div.offsetHeight > 0.22 * size.x * size.y));
    if (fold) {{ L.DomUtil.addClass(div, 'bp-collapsed'); }}
  }})();

  // A popup the legend would cover folds the legend while it is open (the legend sits above the map's
  // panes, so it would otherwise hide the popup and its "Add to targets" button).
  function overlaps(a, b) {{
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }}
  map.on('popupopen', function (e) {{
    var div = legend.getContainer(), pop = e.popup.getElement();
    if (!div || !pop || L.DomUtil.hasClass(div, 'bp-collapsed')) {{ return; }}
    if (overlaps(div.getBoundingClientRect(), pop.getBoundingClientRect())) {{
      L.DomUtil.addClass(div, 'bp-collapsed');
      bp.legendFolded = true;
      // Folded, its title may still sit over the popup: then it steps aside until the popup closes.
      if (overlaps(div.getBoundingClientRect(), pop.getBoundingClientRect())) {{
        L.DomUtil.addClass(div, 'bp-hidden');
      }}
    }}
  }});
  map.on('popupclose', function () {{
    var div = legend.getContainer();
    L.DomUtil.removeClass(div, 'bp-hidden');
    if (bp.legendFolded) {{ L.DomUtil.removeClass(div, 'bp-collapsed'); }}
    bp.legendFolded = false;
  }});

  bp.fitArea = function (animate) {{
    map.fitBounds(data.bounds, {{ paddingTopLeft: [24, 24], paddingBottomRight: [legendRoom() + 24, 24],
                                 animate: animate }});
  }};
  // The first view is set without animation, so the page is settled when it reports ready.
  if (data.view) {{ map.setView([data.view.lat, data.view.lon], data.view.zoom, {{ animate: false }}); }}
  else {{ bp.fitArea(false); }}
  placeLabels();

  function reportView() {{
    var c = map.getCenter();
    call('viewChanged', JSON.stringify({{ lat: c.lat, lon: c.lng, zoom: map.getZoom(), legend: bp.legendState }}));
  }}
  map.on('moveend', reportView);

  bp.ready = true;
  if (data.bridge && typeof QWebChannel !== 'undefined' && window.qt && qt.webChannelTransport) {{
    new QWebChannel(qt.webChannelTransport, function (channel) {{
      window.pyBridge = channel.objects.bridge;
      call('pageReady', JSON.stringify({{ leaflet: typeof L, counties: Object.keys(bp.counties).length }}));
    }});
  }}
}})();
"""
