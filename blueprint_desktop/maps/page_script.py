"""The page's own CSS and JavaScript: builds the layers from one JSON payload and talks to the app.

One data-driven script rather than one folium object per marker keeps the page small (a few hundred
markers are a JSON array, not a few hundred generated blocks) and gives the app a registry to address
layers by county FIPS and provider id (``window.bp``):

* ``bp.selectCounty(fips)``: fit the map to a county and highlight it (Python -> JS, runJavaScript);
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
  font-size: 12px; font-weight: 600; color: #1f2933; pointer-events: none;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }}
.bp-tip {{ font-size: 12.5px; line-height: 1.4; }}
.bp-chip {{ display: inline-block; padding: 0 6px; border-radius: 8px; font-weight: 600; }}
.bp-popup {{ font-size: 12.5px; line-height: 1.45; }}
.bp-popup b {{ font-size: 13.5px; }}
.bp-popup .bp-muted {{ color: #52606d; }}
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

  function pane(name, z, events) {{
    var p = map.createPane(name);
    p.style.zIndex = z;
    if (!events) {{ p.style.pointerEvents = 'none'; }}
  }}
  pane('bpContext', 350, false);
  pane('bpLabels', 450, false);
  pane('bpPoints', 460, true);
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
  bp.selectCounty = function (fips) {{
    var layer = bp.counties[fips];
    if (!layer) {{ return false; }}
    bp.highlight(fips);
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

  data.labels.forEach(function (l) {{
    L.marker([l.lat, l.lon], {{ pane: 'bpLabels', interactive: false, keyboard: false,
      icon: L.divIcon({{ className: 'bp-label', html: '<span>' + l.text + '</span>', iconSize: null }})
    }}).addTo(map);
  }});

  data.contracted.forEach(function (c) {{
    L.circleMarker([c[0], c[1]], {{ pane: 'bpPoints', radius: data.contractedRadius, color: '#ffffff',
      weight: 0.8, fillColor: '{CONTRACTED_FILL}', fillOpacity: 0.9 }})
      .bindTooltip(c[2], {{ className: 'bp-tip' }}).addTo(map);
  }});

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
      title.addEventListener('click', function () {{ L.DomUtil.hasClass(div, 'bp-collapsed') ?
        L.DomUtil.removeClass(div, 'bp-collapsed') : L.DomUtil.addClass(div, 'bp-collapsed'); }});
    }}
    return div;
  }};
  legend.addTo(map);
  bp.legend = legend;

  bp.fitArea = function (animate) {{
    map.fitBounds(data.bounds, {{ paddingTopLeft: [24, 24], paddingBottomRight: [legendRoom() + 24, 24],
                                 animate: animate }});
  }};
  // The first view is set without animation, so the page is settled when it reports ready.
  if (data.view) {{ map.setView([data.view.lat, data.view.lon], data.view.zoom, {{ animate: false }}); }}
  else {{ bp.fitArea(false); }}

  map.on('moveend', function () {{
    var c = map.getCenter();
    call('viewChanged', JSON.stringify({{ lat: c.lat, lon: c.lng, zoom: map.getZoom() }}));
  }});

  bp.ready = true;
  if (data.bridge && typeof QWebChannel !== 'undefined' && window.qt && qt.webChannelTransport) {{
    new QWebChannel(qt.webChannelTransport, function (channel) {{
      window.pyBridge = channel.objects.bridge;
      call('pageReady', JSON.stringify({{ leaflet: typeof L, counties: Object.keys(bp.counties).length }}));
    }});
  }}
}})();
"""
