/* geo-events map runtime (served from the app's vendor/ folder or inlined; never from a CDN).
 *
 * Decodes the compact layers written by geo/render (base64 columns, polyline-encoded rings), draws event
 * points on one canvas per layer, keeps one legend per map listing only the layers shown, and shows the
 * cursor position in lat/lon and MGRS. Every text that comes from data is put in the page with textContent
 * or createTextNode, never innerHTML; links are kept only when they are http(s).
 *
 * Works inside streamlit-folium (whose feature groups are eval'ed after the base map) and in a plain page:
 * layers are built when first added to a map, and a layer whose data arrives later waits for it.
 */
(function (root) {
  "use strict";
  if (root.GeoRender) return;
  var G = {version: "1"};

  // ---------------------------------------------------------------- pure helpers (also run under node)

  function b64ToBytes(text) {
    var bin = root.atob ? root.atob(text) : Buffer.from(text, "base64").toString("binary");
    var n = bin.length, out = new Uint8Array(n);
    for (var i = 0; i < n; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  /** Polyline-decode one ring: [[lat, lng], ...] (lat first, as in Google's format). */
  function decodeLine(str, factor) {
    var index = 0, lat = 0, lng = 0, pts = [], len = str.length;
    while (index < len) {
      var b, shift = 0, result = 0;
      do { b = str.charCodeAt(index++) - 63; result |= (b & 0x1f) << shift; shift += 5; } while (b >= 0x20);
      lat += (result & 1) ? ~(result >> 1) : (result >> 1);
      shift = 0; result = 0;
      do { b = str.charCodeAt(index++) - 63; result |= (b & 0x1f) << shift; shift += 5; } while (b >= 0x20);
      lng += (result & 1) ? ~(result >> 1) : (result >> 1);
      pts.push([lat / factor, lng / factor]);
    }
    return pts;
  }

  /** A geometry as written by Python: a list of polygons, each a list of encoded rings. */
  function decodeGeom(g, factor) {
    return g.map(function (poly) { return poly.map(function (ring) { return decodeLine(ring, factor); }); });
  }

  var ARRAYS = {i4: Int32Array, u4: Uint32Array, u2: Uint16Array, u1: Uint8Array};

  function columns(b64, cols, n) {
    var buf = b64ToBytes(b64).buffer, out = {};
    Object.keys(cols).forEach(function (name) {
      var c = cols[name];
      out[name] = new ARRAYS[c[1]](buf, c[0], n);
    });
    return out;
  }

  // MGRS: lat/lon (WGS84) -> UTM (Krüger series, mm accuracy within a zone) -> MGRS letters (AA scheme).
  var BANDS = "CDEFGHJKLMNPQRSTUVWX";
  var COLS = ["STUVWXYZ", "ABCDEFGH", "JKLMNPQR"];
  var ROWS = "ABCDEFGHJKLMNPQRSTUV";

  function utmZone(lat, lon) {
    var zone = Math.floor((lon + 180) / 6) + 1;
    if (zone > 60) zone = 60;
    if (lat >= 56 && lat < 64 && lon >= 3 && lon < 12) zone = 32;
    if (lat >= 72 && lat < 84) {
      if (lon >= 0 && lon < 9) zone = 31;
      else if (lon >= 9 && lon < 21) zone = 33;
      else if (lon >= 21 && lon < 33) zone = 35;
      else if (lon >= 33 && lon < 42) zone = 37;
    }
    return zone;
  }

  function utm(lat, lon, zone) {
    var a = 6378137.0, f = 1 / 298.257223563, k0 = 0.9996;
    var n = f / (2 - f), n2 = n * n, n3 = n2 * n, n4 = n3 * n;
    var A = a / (1 + n) * (1 + n2 / 4 + n4 / 64);
    var al = [n / 2 - 2 * n2 / 3 + 5 * n3 / 16 + 41 * n4 / 180,
      13 * n2 / 48 - 3 * n3 / 5 + 557 * n4 / 1440,
      61 * n3 / 240 - 103 * n4 / 140,
      49561 * n4 / 161280];
    var phi = lat * Math.PI / 180, dl = (lon - (zone * 6 - 183)) * Math.PI / 180;
    var c = 2 * Math.sqrt(n) / (1 + n), s = Math.sin(phi);
    var t = Math.sinh(Math.atanh(s) - c * Math.atanh(c * s));
    var xi = Math.atan2(t, Math.cos(dl)), eta = Math.atanh(Math.sin(dl) / Math.sqrt(1 + t * t));
    var X = xi, E = eta;
    for (var j = 1; j <= 4; j++) {
      X += al[j - 1] * Math.sin(2 * j * xi) * Math.cosh(2 * j * eta);
      E += al[j - 1] * Math.cos(2 * j * xi) * Math.sinh(2 * j * eta);
    }
    var easting = 500000 + k0 * A * E, northing = k0 * A * X;
    if (lat < 0) northing += 10000000;
    return [easting, northing];
  }

  /** "36U UA 24312 91233" (digits per axis: 1-5); "" outside -80..84 (polar areas use UPS). */
  function mgrs(lat, lon, digits) {
    digits = digits === undefined ? 5 : digits;
    if (!(lat >= -80 && lat <= 84) || !isFinite(lon)) return "";
    lon = ((lon + 180) % 360 + 360) % 360 - 180;
    var zone = utmZone(lat, lon), en = utm(lat, lon, zone);
    var band = BANDS.charAt(Math.min(Math.floor((lat + 80) / 8), 19));
    var e100 = Math.floor(en[0] / 100000), n100 = Math.floor(en[1] / 100000);
    var col = COLS[zone % 3].charAt(e100 - 1);
    var row = ROWS.charAt((n100 + (zone % 2 === 0 ? 5 : 0)) % 20);
    var div = Math.pow(10, 5 - digits);
    var e = Math.floor((en[0] - e100 * 100000) / div), nn = Math.floor((en[1] - n100 * 100000) / div);
    var pad = function (v) { var s = String(v); while (s.length < digits) s = "0" + s; return s; };
    return zone + band + " " + col + row + (digits ? " " + pad(e) + " " + pad(nn) : "");
  }

  function fmtDay(day0, offset) {
    var d = new Date(day0 + offset * 86400000);
    return d.toISOString().slice(0, 10);
  }

  function safeHref(url) {
    if (typeof url !== "string" || !/^https?:\/\//i.test(url)) return null;
    try {
      var u = new URL(url);
      return (u.protocol === "http:" || u.protocol === "https:") ? u.href : null;
    } catch (e) { return null; }
  }

  G.decodeLine = decodeLine;
  G.decodeGeom = decodeGeom;
  G.mgrs = mgrs;
  G.utm = utm;
  G.safeHref = safeHref;

  // ---------------------------------------------------------------- data registry

  var registry = {};

  /** The holder for data ``key``: created empty when a layer asks before the data is registered. */
  function holder(key) {
    if (!registry[key]) registry[key] = {raw: null, decoded: null, waiters: []};
    return registry[key];
  }

  G.register = function (key, raw) {
    var h = holder(key);
    if (h.raw !== raw) h.decoded = null;
    h.raw = raw;
    var waiters = h.waiters;
    h.waiters = [];
    waiters.forEach(function (fn) { fn(); });
  };

  function decoded(h) {
    if (h.decoded || !h.raw) return h.decoded;
    var raw = h.raw, d = {raw: raw, n: raw.n, mode: raw.mode};
    d.cols = raw.n ? columns(raw.b64, raw.cols, raw.n) : {};
    d.day0 = Date.parse(raw.day0 + "T00:00:00Z");
    d.units = (raw.units || []).map(function (u) {
      return Object.assign({}, u, {latlngs: u.g ? decodeGeom(u.g, raw.gscale) : null});
    });
    h.decoded = d;
    return d;
  }

  function text(d, name, i) {
    var t = d.raw.texts && d.raw.texts[name];
    if (!t) return null;
    var v = Array.isArray(t) ? t[i] : (t.i[i] < 0 ? null : t.v[t.i[i]]);
    return v === undefined || v === null || v === "" ? null : String(v);
  }

  // ---------------------------------------------------------------- DOM helpers

  function el(tag, cls, txt) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (txt !== undefined && txt !== null) e.textContent = String(txt);
    return e;
  }

  function svg(tag, attrs) {
    var e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] !== null && attrs[k] !== undefined) e.setAttribute(k, String(attrs[k]));
    });
    return e;
  }

  var CSS = [
    // the top-right corner is a column as tall as the map above the attribution line: the layer control
    // first, the legend below it, shrinking (its body scrolls) so that it never covers the layer control
    ".leaflet-top.leaflet-right{bottom:24px;display:flex;flex-direction:column;align-items:flex-end}",
    ".leaflet-top.leaflet-right>.leaflet-control{flex:0 0 auto}",
    ".leaflet-top.leaflet-right>.geo-legend{order:100;flex:0 1 auto;min-height:0;display:flex;flex-direction:column}",
    ".geo-legend{background:rgba(255,255,255,.94);padding:5px 8px;font:11px/1.25 system-ui,sans-serif;",
    "max-height:calc(100% - 20px);overflow:hidden;min-width:150px;max-width:250px;color:#222}",
    ".geo-legend .geo-lb{overflow:auto;min-height:0;flex:0 1 auto}",
    ".geo-legend .geo-lh{display:flex;justify-content:space-between;align-items:center;font-weight:600;cursor:pointer}",
    ".geo-legend .geo-ls{margin-top:4px}.geo-legend .geo-lt{font-weight:600;margin-bottom:2px}",
    ".geo-legend .geo-li{display:flex;align-items:center;gap:6px;margin:1px 0}",
    ".geo-legend .geo-li svg{flex:0 0 auto}.geo-legend .geo-ln{color:#555;font-size:11px;margin-top:2px}",
    ".geo-legend.geo-collapsed .geo-lb{display:none}",
    ".geo-popup{font:12px/1.4 system-ui,sans-serif;max-width:300px}.geo-popup h4{font-size:13px;margin:0 0 4px}",
    ".geo-popup table{border-collapse:collapse}.geo-popup th{text-align:left;color:#555;font-weight:500;",
    "padding:0 8px 0 0;vertical-align:top;white-space:nowrap}.geo-popup td{padding:0;vertical-align:top}",
    ".geo-popup .geo-note{color:#666;font-size:11px;margin-top:4px}",
    ".geo-popup ul{margin:2px 0;padding-left:16px}",
    ".geo-cursor{background:rgba(255,255,255,.85);padding:1px 6px;font:11px/1.5 ui-monospace,monospace;",
    "color:#222;white-space:nowrap;min-width:52ch}",  // as wide as its longest reading: the row below stays put
    // credits on one line, cut with an ellipsis; the (i) (hover, click or focus) opens the full text
    ".leaflet-control-attribution.geo-attr{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;",
    "font:11px/1.5 system-ui,sans-serif;max-width:60vw;box-sizing:border-box}",
    ".leaflet-control-attribution.geo-attr:hover,.leaflet-control-attribution.geo-attr.geo-open{white-space:normal}",
    ".geo-attr-i{cursor:pointer;display:inline-block;width:12px;height:12px;line-height:12px;margin-right:4px;",
    "border:1px solid #0078a8;border-radius:50%;color:#0078a8;font:italic 600 10px/12px Georgia,serif;text-align:center}",
    ".geo-tip div:first-child{font-weight:600}",
    ".leaflet-container path.leaflet-interactive:focus{outline:none}",
  ].join("");

  function ensureStyle() {
    if (document.getElementById("geo-render-style")) return;
    var s = document.createElement("style");
    s.id = "geo-render-style";
    s.appendChild(document.createTextNode(CSS));
    document.head.appendChild(s);
  }

  function tipContent(lines) {
    var box = el("div", "geo-tip");
    (lines || []).forEach(function (line) { box.appendChild(el("div", null, line)); });
    return box;
  }

  // ---------------------------------------------------------------- swatches (legend) and point styles

  function dash(d) { return d ? d.join(" ") : null; }

  function pointSvg(sw, styles) {
    var s = svg("svg", {width: 22, height: 18, viewBox: "-11 -9 22 18"});
    var v = styles.ver[sw.v] || styles.ver.confirmed;
    var attrs = {
      fill: v.fill ? sw.c : "none", "fill-opacity": v.fill, stroke: v.sc || sw.c,
      "stroke-width": v.w, "stroke-dasharray": dash(v.d),
    };
    if (sw.s) {
      var p = svg("path", Object.assign({d: sw.s, transform: "scale(6)", "vector-effect": "non-scaling-stroke"}, attrs));
      s.appendChild(p);
    } else {
      s.appendChild(svg("circle", Object.assign({r: 5}, attrs)));
    }
    if (v.cross) {
      s.appendChild(svg("path", {d: "M-3,-3L3,3M-3,3L3,-3", stroke: sw.c, "stroke-width": 1.5}));
    }
    if (sw.p === "near") {
      s.appendChild(svg("circle", {r: 8.5, fill: "none", stroke: sw.c, "stroke-width": 1, "stroke-opacity": 0.6}));
    } else if (sw.p === "country") {
      s.appendChild(svg("circle", {r: 8.5, fill: "none", stroke: "#333", "stroke-width": 1.2, "stroke-dasharray": "2 2"}));
    }
    return s;
  }

  function swatch(sw, styles) {
    if (sw.t === "pt") return pointSvg(sw, styles);
    var s = svg("svg", {width: 22, height: 14, viewBox: "0 0 22 14"});
    if (sw.t === "line") {
      s.appendChild(svg("path", {d: "M1,7H21", stroke: sw.c, "stroke-width": sw.w || 2,
        "stroke-dasharray": dash(sw.d), "stroke-opacity": sw.o === undefined ? 1 : sw.o, fill: "none"}));
    } else if (sw.t === "grad") {
      var id = "geo-grad-" + Math.random().toString(36).slice(2);
      var defs = svg("defs"), lg = svg("linearGradient", {id: id});
      sw.cs.forEach(function (c, i) { lg.appendChild(svg("stop", {offset: (i / (sw.cs.length - 1)), "stop-color": c})); });
      defs.appendChild(lg);
      s.appendChild(defs);
      s.appendChild(svg("rect", {x: 1, y: 2, width: 20, height: 10, fill: "url(#" + id + ")"}));
    } else {
      s.appendChild(svg("rect", {x: 2, y: 2, width: 18, height: 10, fill: sw.fc || "none",
        "fill-opacity": sw.fo === undefined ? 1 : sw.fo, stroke: sw.c || "none", "stroke-width": sw.w || 1,
        "stroke-dasharray": dash(sw.d)}));
    }
    return s;
  }

  // ---------------------------------------------------------------- legend (one per map, only shown layers)

  function legendState(map) {
    if (map.__geoLegend) return map.__geoLegend;
    // top right, below the layer control (see CSS); collapsed or not as the analyst last left it
    var st = {sections: {}, box: null, body: null, ctl: L.control({position: "topright"})};
    st.ctl.onAdd = function (map) {
      ensureStyle();
      var box = L.DomUtil.create("div", "geo-legend leaflet-control leaflet-bar");
      var head = el("div", "geo-lh");
      head.appendChild(el("span", null, "Legend"));
      var btn = el("span", null, "\u25BE");
      head.appendChild(btn);
      head.setAttribute("role", "button");
      head.setAttribute("title", "Show or hide the legend");
      var collapse = function (yes) {
        box.classList.toggle("geo-collapsed", yes);
        btn.textContent = yes ? "\u25B8" : "\u25BE";
      };
      head.addEventListener("click", function () {
        var yes = !box.classList.contains("geo-collapsed");
        collapse(yes);
        stored(LEGEND_KEY, yes ? "1" : "0");
      });
      st.body = el("div", "geo-lb");
      var kept = stored(LEGEND_KEY);
      collapse(kept === null ? map.getSize().y < 520 : kept === "1");
      box.appendChild(head);
      box.appendChild(st.body);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      st.box = box;
      renderLegend(st);
      return box;
    };
    map.__geoLegend = st;
    return st;
  }

  var LEGEND_KEY = "geo-render:legend-collapsed";

  /** localStorage ``key`` (the analyst's layout choices outlive the tab); ``value`` given: set it.
   *  Null where storage is refused (sandboxed frame, file://). */
  function stored(key, value) {
    try {
      if (value === undefined) return root.localStorage ? root.localStorage.getItem(key) : null;
      if (root.localStorage) root.localStorage.setItem(key, value);
    } catch (e) { /* storage refused: this page only */ }
    return null;
  }

  /** The attribution on one line, as wide as the map leaves beside the bottom-left controls (scale, cursor);
   *  the full credits open on hover or a click on the (i). Once per map. */
  function oneLineAttribution(map) {
    var ctl = map.attributionControl;
    if (!ctl || map.__geoAttr) return;
    map.__geoAttr = true;
    ensureStyle();
    var box = ctl.getContainer();
    if (!box) return;
    box.classList.add("geo-attr");
    ctl.setPrefix('<span class="geo-attr-i" tabindex="0" title="Map data credits and licences">i</span>' +
      '<a href="https://leafletjs.com" title="A JavaScript library for interactive maps">Leaflet</a>');
    box.addEventListener("click", function (e) {
      if (e.target && e.target.classList && e.target.classList.contains("geo-attr-i")) box.classList.toggle("geo-open");
    });
    var fit = function () {
      var left = map.getContainer().querySelector(".leaflet-bottom.leaflet-left");
      var room = map.getSize().x - (left ? left.offsetWidth : 0) - 20;
      box.style.maxWidth = Math.max(120, room) + "px";
    };
    map.on("resize", fit);
    map.whenReady(function () { setTimeout(fit, 0); });
    if (root.ResizeObserver) {  // the map laid out late (a frame), or the bottom-left controls changing size
      var seen = new root.ResizeObserver(fit);
      seen.observe(map.getContainer());
      var left = map.getContainer().querySelector(".leaflet-bottom.leaflet-left");
      if (left) seen.observe(left);
    }
    fit();
  }

  function renderLegend(st) {
    if (!st.body) return;
    while (st.body.firstChild) st.body.removeChild(st.body.firstChild);
    var ids = Object.keys(st.sections).sort(function (a, b) { return st.sections[a].order - st.sections[b].order; });
    var seen = {}, last = null;
    ids.forEach(function (id) {
      var sec = st.sections[id].section, styles = st.sections[id].styles;
      if (seen[sec.title]) return;  // shared sections (verification, precision) once
      seen[sec.title] = true;
      var title = String(sec.title).trim(), box = el("div", "geo-ls");
      // consecutive sections of one heading (the boundary levels) show it once, as the static legend does
      if (title !== last) box.appendChild(el("div", "geo-lt", title));
      last = title;
      (sec.items || []).forEach(function (it) {
        var row = el("div", "geo-li");
        row.appendChild(swatch(it.sw, styles));
        row.appendChild(el("span", null, it.label));
        box.appendChild(row);
      });
      if (sec.note) box.appendChild(el("div", "geo-ln", sec.note));
      st.body.appendChild(box);
    });
  }

  function legendAdd(map, id, legend, styles) {
    if (!legend) return;
    var st = legendState(map);
    (legend.sections || []).forEach(function (sec, k) {
      st.sections[id + ":" + k] = {order: legend.order + k / 100, section: sec, styles: styles || {}};
    });
    if (!st.ctl._map) st.ctl.addTo(map);
    renderLegend(st);
  }

  function legendRemove(map, id) {
    var st = map && map.__geoLegend;
    if (!st) return;
    Object.keys(st.sections).forEach(function (k) { if (k.split(":")[0] === String(id)) delete st.sections[k]; });
    if (Object.keys(st.sections).length === 0) { if (st.ctl._map) st.ctl.remove(); } else renderLegend(st);
  }

  // ---------------------------------------------------------------- panes

  var PANES = {geoBorder: 386, geoRaions: 388, geoAreas: 390, geoChoro: 392, geoOutline: 396,
    geoUnits: 410, geoRings: 415, geoPoints: 450};

  function ensurePanes(map) {
    Object.keys(PANES).forEach(function (name) {
      if (!map.getPane(name)) {
        var p = map.createPane(name);
        p.style.zIndex = PANES[name];
        if (name === "geoOutline" || name === "geoBorder") p.style.pointerEvents = "none";
      }
    });
  }

  // ---------------------------------------------------------------- popups

  function row(table, label, value, link) {
    if (value === null || value === undefined || value === "") return;
    var tr = el("tr");
    tr.appendChild(el("th", null, label));
    var td = el("td");
    var href = link ? safeHref(link) : null;
    if (href) {
      var a = el("a", null, value);
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      td.appendChild(a);
    } else {
      td.textContent = String(value);
    }
    tr.appendChild(td);
    table.appendChild(tr);
  }

  function eventSummary(d, spec, i) {
    var code = d.cols.code[i], cat = spec.cats[code & 7], ver = spec.vers[(code >> 3) & 3];
    var prec = spec.precs[(code >> 5) & 7], d0 = d.cols.d0[i], dl = d.cols.dl[i];
    var when = d0 === 65535 ? "date unknown" : fmtDay(d.day0, d0) + (dl ? " \u2013 " + fmtDay(d.day0, d0 + dl) : "");
    return {cat: cat, ver: ver, prec: prec, when: when};
  }

  function eventPopup(d, spec, i) {
    var s = eventSummary(d, spec, i), box = el("div", "geo-popup");
    var title = text(d, "title", i);
    box.appendChild(el("h4", null, title || s.cat.label));
    var table = el("table");
    row(table, "Date", s.when);
    var sub = text(d, "subcategory", i);
    row(table, "Category", s.cat.label + (sub ? " \u00B7 " + sub : ""));
    row(table, "Verification", s.ver.label);
    var loc = text(d, "location_name", i);
    row(table, "Location", s.prec.label + (loc ? " \u00B7 " + loc : ""));
    row(table, "Actors", text(d, "actors", i));
    row(table, "Equipment", text(d, "equipment", i));
    row(table, "Unit", text(d, "unit", i));
    if (d.cols.sym && spec.syms && s.cat.name === "deployment") row(table, "Kind", spec.syms[d.cols.sym[i]].label);
    var src = text(d, "source_name", i), url = text(d, "source_url", i);
    if (src || url) row(table, "Source", src || url, url);
    var lat = d.cols.lat[i] / d.raw.scale, lon = d.cols.lon[i] / d.raw.scale;
    row(table, "Point", lat.toFixed(5) + ", " + lon.toFixed(5));
    row(table, "MGRS", mgrs(lat, lon, 5));
    row(table, "Id", text(d, "id", i));
    box.appendChild(table);
    var desc = text(d, "description", i);
    if (desc) box.appendChild(el("div", null, desc));
    if (!d.raw.texts) box.appendChild(el("div", "geo-note", "Many events in the window: details are in the side panel."));
    if (s.prec.name === "country") box.appendChild(el("div", "geo-note", "Location known only to the country: the symbol marks the stated point, not the place."));
    return box;
  }

  function unitPopup(d, spec, u, cats) {
    var box = el("div", "geo-popup");
    box.appendChild(el("h4", null, u.name + (u.local ? " / " + u.local : "")));
    box.appendChild(el("div", null, u.n + " event" + (u.n === 1 ? "" : "s") + " located only to this " + u.lvl + " (" + u.what + ")"));
    if (d.mode === "points" && d.cols.unit) {
      var list = el("ul"), shown = 0;
      for (var i = 0; i < d.n && shown < 15; i++) {
        if (d.cols.unit[i] !== u.k || !cats[d.cols.code[i] & 7]) continue;
        var s = eventSummary(d, spec, i), t = text(d, "title", i);
        list.appendChild(el("li", null, s.when + " \u00B7 " + (t || s.cat.label) + " (" + s.ver.label + ")"));
        shown++;
      }
      box.appendChild(list);
      if (u.n > shown) box.appendChild(el("div", "geo-note", (u.n - shown) + " more: see the side panel."));
    }
    return box;
  }

  /** Whether a points layer on ``map`` has an event (or cell) under the container point. */
  function pointAt(map, pt) {
    return (map.__geoPoints || []).some(function (layer) { return layer._pick(pt) >= 0; });
  }

  // ---------------------------------------------------------------- what the analyst chose: overlays shown, view
  // Kept in the tab's sessionStorage (in memory where storage is refused), so that they survive the layers
  // streamlit-folium swaps in on every filter change and a map that is created again (another base map).

  var memory = {};

  function recall(key) {
    try {
      var v = root.sessionStorage && root.sessionStorage.getItem("geo-render:" + key);
      if (v) return JSON.parse(v);
    } catch (e) { /* storage refused (sandbox, file://): memory only */ }
    return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
  }

  function remember(key, value) {
    memory[key] = value;
    try { if (root.sessionStorage) root.sessionStorage.setItem("geo-render:" + key, JSON.stringify(value)); } catch (e) { /* memory only */ }
  }

  /** Shown or not: what the analyst last chose for ``name``, else the registry's default. */
  function overlayShown(name, dflt) {
    var kept = recall("overlays");
    return kept && typeof kept[name] === "boolean" ? kept[name] : dflt;
  }

  /** The registry groups on ``map`` (the newest per name); a tick in a layer control records them all.
   *  Only ticks are recorded: the removals streamlit-folium makes when it swaps in new layers are not. */
  function overlayState(map) {
    if (map.__geoOverlays) return map.__geoOverlays;
    var st = {groups: {}};
    map.__geoOverlays = st;
    map.getContainer().addEventListener("change", function (e) {
      var t = e.target;
      if (!t || !t.classList || !t.classList.contains("leaflet-control-layers-selector")) return;
      var kept = recall("overlays") || {};
      Object.keys(st.groups).forEach(function (name) { kept[name] = map.hasLayer(st.groups[name]); });
      remember("overlays", kept);
    });
    return st;
  }

  G.overlayShown = overlayShown;

  // ---------------------------------------------------------------- Leaflet layers (defined lazily: L may load later)

  var classes = null;

  function leafletClasses() {
    if (classes) return classes;
    var Base = L.Layer.extend({
      initialize: function (spec) {
        this._spec = spec;
        this._id = L.Util.stamp(this);
        this._holder = spec.data ? holder(spec.data) : null;
      },
      onAdd: function (map) {
        ensureStyle();
        ensurePanes(map);
        var self = this;
        if (this._holder && !this._holder.raw) {
          this._holder.waiters.push(function () { if (self._map) self._show(self._map); });
          return;
        }
        this._show(map);
      },
      _show: function (map) {
        if (this._shown) return;
        this._shown = true;
        this._attach(map);
        legendAdd(map, this._id, this._spec.legend, this._spec.styles);
      },
      onRemove: function (map) {
        if (this._shown) this._detach(map);
        this._shown = false;
        legendRemove(map, this._id);
      },
    });

    // Polygons or lines from encoded geometry: boundaries, units, choropleth, areas, range rings.
    var Shapes = Base.extend({
      _attach: function (map) {
        if (!this._group) this._group = this._build();
        this._group.addTo(map);
      },
      _detach: function (map) { map.removeLayer(this._group); },
      _build: function () {
        var spec = this._spec, group = L.featureGroup();
        spec.features.forEach(function (f) {
          var style = Object.assign({pane: spec.pane, interactive: !!spec.interactive}, spec.styles[f.s || 0]);
          var shape;
          if (f.c) shape = L.circle(f.c, Object.assign({radius: f.r}, style));
          else if (spec.line) shape = L.polyline(decodeGeom(f.g, spec.scale).map(function (p) { return p[0]; }), style);
          else shape = L.polygon(decodeGeom(f.g, spec.scale), style);
          if (f.tt && spec.interactive) {
            shape.bindTooltip(function () { return tipContent(f.tt); }, {sticky: true, direction: "top"});
          }
          if (spec.hover && spec.interactive) {
            shape.on("mouseover", function () { shape.setStyle(spec.hover); });
            shape.on("mouseout", function () { shape.setStyle(spec.styles[f.s || 0]); });
          }
          group.addLayer(shape);
        });
        return group;
      },
    });

    // Event points (or aggregated cells) on one canvas, plus admin-precision units as polygons.
    var Points = Base.extend({
      _attach: function (map) {
        this._d = decoded(this._holder);
        if (!this._sel) this._select();
        var pane = map.getPane("geoPoints");
        this._canvas = L.DomUtil.create("canvas", "geo-points leaflet-zoom-animated", pane);
        this._canvas.style.pointerEvents = "none";
        map.on("moveend viewreset resize", this._redraw, this);
        map.on("zoomanim", this._animate, this);
        map.on("click", this._onClick, this);
        map.on("mousemove", this._onMove, this);
        (map.__geoPoints = map.__geoPoints || []).push(this);
        G._live.push(this);
        if (!this._units) this._units = this._buildUnits();
        this._units.addTo(map);
        this._redraw();
      },
      _detach: function (map) {
        map.off("moveend viewreset resize", this._redraw, this);
        map.off("zoomanim", this._animate, this);
        map.off("click", this._onClick, this);
        map.off("mousemove", this._onMove, this);
        var self = this;
        map.__geoPoints = (map.__geoPoints || []).filter(function (l) { return l !== self; });
        G._live = G._live.filter(function (l) { return l !== self; });
        if (this._canvas) L.DomUtil.remove(this._canvas);
        if (this._tip) map.closeTooltip(this._tip);
        map.removeLayer(this._units);
        map.getContainer().style.cursor = "";
      },
      _select: function () {
        var d = this._d, spec = this._spec, cats = {}, keep = [], groups = {}, i;
        spec.show_cats.forEach(function (c) { cats[c] = true; });
        this._cats = cats;
        var n = d.mode === "points" ? d.n : 0;
        for (i = 0; i < n; i++) {
          var code = d.cols.code[i], prec = (code >> 5) & 7;
          if (!cats[code & 7] || spec.point_precs.indexOf(prec) < 0) continue;
          keep.push(i);
        }
        var sel = new Uint32Array(keep), m = sel.length;
        var mx = new Float64Array(m), my = new Float64Array(m), ox = new Float32Array(m), oy = new Float32Array(m);
        var seen = {};
        for (var k = 0; k < m; k++) {
          i = sel[k];
          var lat = d.cols.lat[i] / d.raw.scale, lon = d.cols.lon[i] / d.raw.scale;
          var s = Math.sin(lat * Math.PI / 180);
          mx[k] = (lon + 180) / 360;
          my[k] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
          var key = d.cols.lat[i] + ":" + d.cols.lon[i], c = seen[key] || 0;
          seen[key] = c + 1;
          if (c > 0) {  // co-located events: a spiral (in symbol widths) so each stays visible and clickable
            var j = Math.min(c, 60), ang = j * 2.39996, rad = Math.sqrt(j);
            ox[k] = Math.cos(ang) * rad;
            oy[k] = Math.sin(ang) * rad;
          }
          var gk = d.cols.code[i] + 256 * (d.cols.sym ? d.cols.sym[i] : 0);
          (groups[gk] = groups[gk] || []).push(k);
        }
        this._sel = sel;
        this._mx = mx; this._my = my; this._ox = ox; this._oy = oy;
        this._groups = Object.keys(groups).map(function (g) { return [Number(g), new Uint32Array(groups[g])]; });
        this._paths = (spec.syms || []).map(function (s) { return s.path ? new Path2D(s.path) : null; });
        if (d.mode === "cells") this._selectCells();
      },
      _selectCells: function () {
        var d = this._d, n = d.n, c = d.cols, raw = d.raw, m = 0, i;
        var mx = new Float64Array(n * 2), my = new Float64Array(n * 2);
        for (i = 0; i < n; i++) {
          var lon0 = raw.x0 + c.cx[i] * raw.cell, lat0 = raw.y0 + c.cy[i] * raw.cell;
          [[lon0, lat0], [lon0 + raw.cell, lat0 + raw.cell]].forEach(function (p, q) {
            var s = Math.sin(p[1] * Math.PI / 180);
            mx[2 * i + q] = (p[0] + 180) / 360;
            my[2 * i + q] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
          });
          if (c.count[i] > m) m = c.count[i];
        }
        this._cmx = mx; this._cmy = my; this._cmax = m;
      },
      _buildUnits: function () {
        var d = this._d, spec = this._spec, self = this, group = L.featureGroup();
        d.units.forEach(function (u) {
          if (!self._cats[u.cat]) return;
          var colour = spec.cats[u.cat].colour;
          var style = {pane: "geoUnits", color: colour, weight: 1.6, dashArray: "6 4", fillColor: colour,
            fillOpacity: 0.12, opacity: 0.9};
          var shape = u.latlngs ? L.polygon(u.latlngs, style) : L.circle(u.c, Object.assign({radius: u.r}, style));
          var lines = [u.name + (u.local ? " / " + u.local : ""),
            u.n + " event" + (u.n === 1 ? "" : "s") + " located only to this " + u.lvl,
            "mostly " + spec.cats[u.cat].label];
          shape.bindTooltip(function () { return tipContent(lines); }, {sticky: true, direction: "top"});
          // no bindPopup: it would stop the click before the map sees it, and points drawn over the
          // unit (on the canvas) must win
          shape.on("click", function (e) {
            if (!self._map || pointAt(self._map, e.containerPoint)) return;
            L.popup({maxWidth: 320}).setLatLng(e.latlng).setContent(unitPopup(d, spec, u, self._cats)).openOn(self._map);
          });
          group.addLayer(shape);
        });
        return group;
      },
      _view: function () {
        var map = this._map, z = map.getZoom();
        var origin = map.project(map.containerPointToLatLng([0, 0]), z);
        return {ws: 256 * Math.pow(2, z), ox: origin.x, oy: origin.y, size: map.getSize(), z: z};
      },
      _redraw: function () {
        var map = this._map;
        if (!map || !this._canvas) return;
        var v = this._view(), dpr = root.devicePixelRatio || 1, cv = this._canvas;
        cv.width = Math.round(v.size.x * dpr);
        cv.height = Math.round(v.size.y * dpr);
        cv.style.width = v.size.x + "px";
        cv.style.height = v.size.y + "px";
        this._bounds = map.getBounds();
        L.DomUtil.setPosition(cv, map.containerPointToLayerPoint([0, 0]));
        var ctx = cv.getContext("2d");
        ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
        ctx.clearRect(0, 0, v.size.x, v.size.y);
        if (this._d.mode === "cells") this._drawCells(ctx, v); else this._drawPoints(ctx, v);
      },
      _animate: function (e) {
        if (!this._bounds) return;
        var scale = this._map.getZoomScale(e.zoom);
        var offset = this._map._latLngBoundsToNewLayerBounds(this._bounds, e.zoom, e.center).min;
        L.DomUtil.setTransform(this._canvas, offset, scale);
      },
      _radius: function (z) { return z < 6 ? 3.5 : z < 9 ? 4.5 : 5.5; },
      _spacing: function (z) { return this._radius(z) * 3.8; },
      _drawPoints: function (ctx, v) {
        var spec = this._spec, d = this._d, r = this._radius(v.z), W = v.size.x, H = v.size.y, self = this;
        var nearIdx = spec.precs.findIndex(function (p) { return p.name === "near"; });
        var countryIdx = spec.precs.findIndex(function (p) { return p.name === "country"; });
        var rings = [];
        this._groups.forEach(function (g) {
          var code = g[0] & 255, sym = g[0] >> 8, ks = g[1];
          var cat = spec.cats[code & 7], ver = spec.vers[(code >> 3) & 3], prec = (code >> 5) & 7;
          var st = spec.styles.ver[ver.name], path = cat.name === "deployment" ? self._paths[sym] : null;
          var size = path ? r * 1.7 : r;
          ctx.setLineDash(st.d || []);
          ctx.lineWidth = st.w;
          ctx.strokeStyle = st.sc || cat.colour;
          ctx.fillStyle = cat.colour;
          ctx.beginPath();
          var drawn = [];
          var sp = self._spacing(v.z);
          for (var q = 0; q < ks.length; q++) {
            var k = ks[q], x = self._mx[k] * v.ws - v.ox + self._ox[k] * sp, y = self._my[k] * v.ws - v.oy + self._oy[k] * sp;
            if (x < -20 || y < -20 || x > W + 20 || y > H + 20) continue;
            drawn.push(x, y);
            if (!path) { ctx.moveTo(x + size, y); ctx.arc(x, y, size, 0, 2 * Math.PI); }
          }
          if (path) {
            for (var p = 0; p < drawn.length; p += 2) {
              ctx.save();
              ctx.translate(drawn[p], drawn[p + 1]);
              ctx.scale(size, size);
              ctx.lineWidth = st.w / size;
              ctx.setLineDash((st.d || []).map(function (x) { return x / size; }));
              if (st.fill) { ctx.globalAlpha = st.fill; ctx.fill(path); ctx.globalAlpha = 1; }
              ctx.stroke(path);
              ctx.restore();
            }
          } else {
            if (st.fill) { ctx.globalAlpha = st.fill; ctx.fill(); ctx.globalAlpha = 1; }
            ctx.stroke();
          }
          if (st.cross) {
            ctx.setLineDash([]);
            ctx.lineWidth = 1.4;
            ctx.strokeStyle = cat.colour;
            ctx.beginPath();
            var c = size * 0.6;
            for (var t = 0; t < drawn.length; t += 2) {
              ctx.moveTo(drawn[t] - c, drawn[t + 1] - c); ctx.lineTo(drawn[t] + c, drawn[t + 1] + c);
              ctx.moveTo(drawn[t] - c, drawn[t + 1] + c); ctx.lineTo(drawn[t] + c, drawn[t + 1] - c);
            }
            ctx.stroke();
          }
          if (prec === nearIdx || prec === countryIdx) rings.push([prec === countryIdx, cat.colour, drawn, size]);
        });
        rings.forEach(function (ring) {
          ctx.beginPath();
          ctx.setLineDash(ring[0] ? [2, 2] : []);
          ctx.lineWidth = ring[0] ? 1.3 : 1;
          ctx.strokeStyle = ring[0] ? "#333" : ring[1];
          ctx.globalAlpha = ring[0] ? 1 : 0.6;
          var rr = ring[3] + (ring[0] ? 4 : 3.5);
          for (var t = 0; t < ring[2].length; t += 2) {
            ctx.moveTo(ring[2][t] + rr, ring[2][t + 1]);
            ctx.arc(ring[2][t], ring[2][t + 1], rr, 0, 2 * Math.PI);
          }
          ctx.stroke();
          ctx.globalAlpha = 1;
        });
        ctx.setLineDash([]);
      },
      _drawCells: function (ctx, v) {
        var d = this._d, c = d.cols, spec = this._spec, lmax = Math.log(1 + this._cmax), W = v.size.x, H = v.size.y;
        var ramp = spec.ramp;
        for (var i = 0; i < d.n; i++) {
          if (!this._cats[c.cat[i]]) continue;
          var x0 = this._cmx[2 * i] * v.ws - v.ox, x1 = this._cmx[2 * i + 1] * v.ws - v.ox;
          var y1 = this._cmy[2 * i] * v.ws - v.oy, y0 = this._cmy[2 * i + 1] * v.ws - v.oy;
          if (x1 < 0 || y1 < 0 || x0 > W || y0 > H) continue;
          var w = Math.max(x1 - x0, 2), h = Math.max(y1 - y0, 2);
          var cls = Math.min(ramp.length - 1, Math.floor(Math.log(1 + c.count[i]) / lmax * ramp.length));
          if (c.approx[i]) {
            ctx.setLineDash([2, 2]);
            ctx.strokeStyle = "#333";
            ctx.lineWidth = 1;
            ctx.strokeRect(x0, y0, w, h);
            ctx.setLineDash([]);
          } else {
            ctx.fillStyle = ramp[cls];
            ctx.globalAlpha = 0.8;
            ctx.fillRect(x0, y0, w, h);
            ctx.globalAlpha = 1;
          }
        }
      },
      _pick: function (pt) {
        var v = this._view(), best = -1, bestD = Infinity, d = this._d;
        if (d.mode === "cells") {
          for (var i = 0; i < d.n; i++) {
            if (!this._cats[d.cols.cat[i]]) continue;
            var x0 = this._cmx[2 * i] * v.ws - v.ox, x1 = this._cmx[2 * i + 1] * v.ws - v.ox;
            var y1 = this._cmy[2 * i] * v.ws - v.oy, y0 = this._cmy[2 * i + 1] * v.ws - v.oy;
            if (pt.x >= x0 - 1 && pt.x <= Math.max(x1, x0 + 2) + 1 && pt.y >= y0 - 1 && pt.y <= Math.max(y1, y0 + 2) + 1) {
              if (!d.cols.approx[i] || best < 0) best = i;
            }
          }
          return best;
        }
        var lim = this._radius(v.z) * 1.7 + 3, sp = this._spacing(v.z);
        lim *= lim;
        for (var k = 0; k < this._sel.length; k++) {
          var dx = this._mx[k] * v.ws - v.ox + this._ox[k] * sp - pt.x, dy = this._my[k] * v.ws - v.oy + this._oy[k] * sp - pt.y;
          var dd = dx * dx + dy * dy;
          if (dd < lim && dd < bestD) { bestD = dd; best = k; }
        }
        return best < 0 ? -1 : this._sel[best];
      },
      _onMove: function (e) {
        var self = this;
        if (this._moveQueued) { this._lastMove = e; return; }
        this._moveQueued = true;
        this._lastMove = e;
        L.Util.requestAnimFrame(function () {
          self._moveQueued = false;
          if (!self._map) return;
          var ev = self._lastMove, i = self._pick(ev.containerPoint);
          self._map.getContainer().style.cursor = i >= 0 ? "pointer" : "";
          if (i < 0 || self._d.mode !== "points") {
            if (self._tip) self._map.closeTooltip(self._tip);
            return;
          }
          var s = eventSummary(self._d, self._spec, i), t = text(self._d, "title", i);
          if (!self._tip) self._tip = L.tooltip({direction: "top", offset: [0, -8]});
          self._tip.setLatLng(ev.latlng).setContent(tipContent([t || s.cat.label, s.when + " \u00B7 " + s.ver.label + " \u00B7 " + s.prec.label]));
          self._map.openTooltip(self._tip);
        });
      },
      _onClick: function (e) {
        var i = this._pick(e.containerPoint), d = this._d, spec = this._spec;
        if (i < 0) return;
        var latlng, content;
        if (d.mode === "cells") {
          var lon = d.raw.x0 + (d.cols.cx[i] + 0.5) * d.raw.cell, lat = d.raw.y0 + (d.cols.cy[i] + 0.5) * d.raw.cell;
          latlng = L.latLng(lat, lon);
          content = el("div", "geo-popup");
          content.appendChild(el("h4", null, d.cols.count[i] + " events in this cell"));
          var table = el("table");
          row(table, "Cell", d.raw.cell + "\u00B0 \u00D7 " + d.raw.cell + "\u00B0 around " + lat.toFixed(3) + ", " + lon.toFixed(3));
          row(table, "Mostly", spec.cats[d.cols.cat[i]].label);
          content.appendChild(table);
          if (d.cols.approx[i]) content.appendChild(el("div", "geo-note", "Events located only to a country: the cell holds the stated point, not the place."));
          content.appendChild(el("div", "geo-note", "Too many events in the window to draw each one: narrow the filters to see points."));
        } else {
          latlng = L.latLng(d.cols.lat[i] / d.raw.scale, d.cols.lon[i] / d.raw.scale);
          content = eventPopup(d, spec, i);
        }
        if (this._tip) this._map.closeTooltip(this._tip);
        L.popup({maxWidth: 320}).setLatLng(latlng).setContent(content).openOn(this._map);
        this.fire("click", {latlng: latlng, index: i}, true);
      },
    });

    // Heatmap from the same compact data (leaflet-heat).
    var Heat = Base.extend({
      _attach: function (map) {
        if (!root.L.heatLayer) { if (root.console) console.warn("geo-render: leaflet-heat is not loaded"); return; }
        if (!this._heat) {
          var d = decoded(this._holder), pts = [], i, precs = this._spec.point_precs;
          if (d.mode === "cells") {
            var mx = 1;
            for (i = 0; i < d.n; i++) if (d.cols.count[i] > mx) mx = d.cols.count[i];
            for (i = 0; i < d.n; i++) {
              if (d.cols.approx[i]) continue;
              pts.push([d.raw.y0 + (d.cols.cy[i] + 0.5) * d.raw.cell, d.raw.x0 + (d.cols.cx[i] + 0.5) * d.raw.cell,
                Math.log(1 + d.cols.count[i]) / Math.log(1 + mx)]);
            }
          } else {
            for (i = 0; i < d.n; i++) {
              if (precs.indexOf((d.cols.code[i] >> 5) & 7) < 0) continue;
              pts.push([d.cols.lat[i] / d.raw.scale, d.cols.lon[i] / d.raw.scale, 1]);
            }
          }
          this._heat = L.heatLayer(pts, this._spec.options || {});
        }
        this._heat.addTo(map);
      },
      _detach: function (map) { if (this._heat) map.removeLayer(this._heat); },
    });

    // A registry layer's group. streamlit-folium adds every group it is given to the map; the first time a
    // group is added it stays only if the analyst's choice (or the registry default) says shown, and is
    // taken off again, before anything is drawn, once the layer control that lists it exists.
    var Group = L.FeatureGroup.extend({
      initialize: function (options) {
        L.FeatureGroup.prototype.initialize.call(this, [], {});
        this._geo = options || {};
      },
      addLayer: function (layer) {
        if (!this._geoPending) return L.FeatureGroup.prototype.addLayer.call(this, layer);
        var map = this._map;
        this._map = null;  // held, not drawn: the group is about to leave the map
        L.FeatureGroup.prototype.addLayer.call(this, layer);
        this._map = map;
        return this;
      },
      onAdd: function (map) {
        var name = this._geo.name, self = this;
        if (name) overlayState(map).groups[name] = this;
        if (!this._geoDecided) {
          this._geoDecided = true;  // later adds are the analyst's ticks
          if (name && !overlayShown(name, this._geo.show !== false)) {
            this._geoPending = true;
            Promise.resolve().then(function () {
              self._geoPending = false;
              if (self._map === map) map.removeLayer(self);
            });
            return;
          }
        }
        L.FeatureGroup.prototype.onAdd.call(this, map);
      },
    });

    classes = {shapes: Shapes, points: Points, heat: Heat, group: Group};
    return classes;
  }

  /** A layer of kind ``kind`` (shapes, points, heat) built from ``spec`` when first added to a map. */
  G.layer = function (kind, spec) {
    var C = leafletClasses()[kind];
    if (!C) throw new Error("geo-render: unknown layer kind " + kind);
    return new C(spec);
  };

  /** The group of registry layer ``options.name``, shown at first if ``options.show`` (the registry's
   *  default) unless the analyst chose otherwise in this tab. */
  G.group = function (options) {
    return new (leafletClasses().group)(options);
  };

  /** Keep ``map``'s view: restore the one last seen in this tab (a map created again), record each move. */
  G.keepView = function (map) {
    var v = recall("view");
    if (v && isFinite(v.lat) && isFinite(v.lng) && isFinite(v.zoom)) map.setView([v.lat, v.lng], v.zoom, {animate: false});
    map.on("moveend", function () {
      var c = map.getCenter();
      remember("view", {lat: c.lat, lng: c.lng, zoom: map.getZoom()});
    });
  };

  /** A control at the bottom left showing the cursor position in lat/lon and MGRS. */
  G.cursor = function (options) {
    var Ctl = L.Control.extend({
      options: {position: "bottomleft"},
      onAdd: function (map) {
        ensureStyle();
        oneLineAttribution(map);
        var box = L.DomUtil.create("div", "geo-cursor leaflet-control");
        box.textContent = "move the cursor over the map";
        var show = function (e) {
          var ll = e.latlng.wrap(), lat = ll.lat, lon = ll.lng;
          var txt = Math.abs(lat).toFixed(5) + "\u00B0 " + (lat >= 0 ? "N" : "S") + "  " +
            Math.abs(lon).toFixed(5) + "\u00B0 " + (lon >= 0 ? "E" : "W");
          var m = mgrs(lat, lon, 5);
          box.textContent = txt + (m ? "  |  MGRS " + m : "");
        };
        map.on("mousemove", show);
        this._off = function () { map.off("mousemove", show); };
        return box;
      },
      onRemove: function () { if (this._off) this._off(); },
    });
    return new Ctl(options || {});
  };

  /** Add a plain-text credit line to the map's attribution control. */
  G.attribution = function (map, txt) {
    if (!map.attributionControl || !txt) return;
    oneLineAttribution(map);
    var esc = String(txt).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
    map.attributionControl.addAttribution(esc);
  };

  /** What the point layers on the page hold (for tests and diagnostics): {layers, events}. */
  G._live = [];
  G.stats = function () {
    var n = 0;
    G._live.forEach(function (l) { (l._groups || []).forEach(function (g) { n += g[1].length; }); });
    return {layers: G._live.length, events: n};
  };

  root.GeoRender = G;
  if (typeof module !== "undefined" && module.exports) module.exports = G;
})(typeof window !== "undefined" ? window : globalThis);
