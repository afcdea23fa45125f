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

  /** Data ``raw`` under ``key`` (a hash of its content, so a key seen again brings the same data: what was
   *  decoded for it is kept). Holders no live layer uses are dropped when their groups are replaced. */
  G.register = function (key, raw) {
    var h = holder(key);
    if (h.raw !== raw) h.decoded = null;
    h.raw = raw;
    G._registered++;
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
    } else if (sw.p === "unit") {  // the symbol inside its unit's outline: dashed, never filled
      s.appendChild(svg("rect", {x: -10, y: -8, width: 20, height: 16, fill: "none", stroke: sw.c, "stroke-width": 1,
        "stroke-dasharray": "3 2"}));
    }
    return s;
  }

  function swatch(sw, styles) {
    if (sw.t === "pt") return pointSvg(sw, styles);
    if (sw.t === "sidc" && root.GeoUnits) {  // a unit symbol: milsymbol's icon of the code (geo/render/units.js)
      var icon = root.GeoUnits.icon(sw.c, {size: 12}), img = el("img", "geo-sw-sidc");
      img.src = icon.url;
      img.alt = "";
      img.width = icon.width;
      img.height = icon.height;
      return img;
    }
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

  /** Make ``box`` fold under its ``head`` (a ▾/▸ button appended to it, titled ``title``), the choice kept
   *  under ``key`` (localStorage); ``collapsed``: how it starts. */
  function collapsible(box, head, title, key, collapsed) {
    var btn = el("span", null, "\u25BE");
    head.appendChild(btn);
    head.setAttribute("role", "button");
    head.setAttribute("title", title);
    var collapse = function (yes) {
      box.classList.toggle("geo-collapsed", yes);
      btn.textContent = yes ? "\u25B8" : "\u25BE";
    };
    head.addEventListener("click", function () {
      var yes = !box.classList.contains("geo-collapsed");
      collapse(yes);
      stored(key, yes ? "1" : "0");
    });
    collapse(collapsed);
  }

  function legendState(map) {
    if (map.__geoLegend) return map.__geoLegend;
    // top right, below the layer control (see CSS); collapsed or not as the analyst last left it
    var st = {sections: {}, box: null, body: null, ctl: L.control({position: "topright"})};
    st.ctl.onAdd = function (map) {
      ensureStyle();
      var box = L.DomUtil.create("div", "geo-legend leaflet-control leaflet-bar");
      var head = el("div", "geo-lh");
      head.appendChild(el("span", null, "Legend"));
      var kept = stored(LEGEND_KEY);
      collapsible(box, head, "Show or hide the legend", LEGEND_KEY, kept === null ? map.getSize().y < 520 : kept === "1");
      st.body = el("div", "geo-lb");
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

  /** How the map draws an event of precision code ``code`` (the rule geo.schema.PRECISION_DRAWING, sent as
   *  ``spec.drawing``): "point", "near", "unit", "callout" or "none". */
  function drawing(spec, code) {
    return (spec.drawing || [])[(code >> 5) & 7] || "near";
  }

  function eventSummary(d, spec, i) {
    var code = d.cols.code[i], cat = spec.cats[code & 7], ver = spec.vers[(code >> 3) & 3];
    var prec = spec.precs[(code >> 5) & 7], d0 = d.cols.d0[i], dl = d.cols.dl[i];
    var when = d0 === 65535 ? "date unknown" : fmtDay(d.day0, d0) + (dl ? " \u2013 " + fmtDay(d.day0, d0 + dl) : "");
    return {cat: cat, ver: ver, prec: prec, when: when, draw: drawing(spec, code)};
  }

  /** The card of event ``i``: what, when (and how precisely), where (point, MGRS, admin units), who,
   *  casualties, the source and when it published, and the import flags. Texts travel only for small
   *  windows (``d.raw.texts``); every one is set with textContent. */
  function eventPopup(d, spec, i) {
    var s = eventSummary(d, spec, i), box = el("div", "geo-popup");
    var title = text(d, "title", i);
    box.appendChild(el("h4", null, title || s.cat.label));
    var table = el("table");
    var tprec = text(d, "time_precision", i);
    row(table, "Date", s.when + (tprec ? " (" + tprec + ")" : ""));
    var sub = text(d, "subcategory", i);
    row(table, "Category", s.cat.label + (sub ? " \u00B7 " + sub : ""));
    row(table, "Verification", s.ver.label);
    var loc = text(d, "location_name", i);
    row(table, "Location", s.prec.label + (loc ? " \u00B7 " + loc : ""));
    row(table, "Admin", text(d, "admin", i));
    row(table, "Fatalities", text(d, "fatalities", i));
    row(table, "Actors", text(d, "actors", i));
    row(table, "Equipment", text(d, "equipment", i));
    row(table, "Unit", text(d, "unit", i));
    if (d.cols.sym && spec.syms && spec.syms[d.cols.sym[i]] && s.cat.name === "deployment") row(table, "Symbol", spec.syms[d.cols.sym[i]].label);
    var src = text(d, "source_name", i), url = text(d, "source_url", i);
    if (src || url) row(table, "Source", src || url, url);
    row(table, "Published", text(d, "source_date", i));
    var lat = d.cols.lat[i] / d.raw.scale, lon = d.cols.lon[i] / d.raw.scale;
    row(table, "Point", lat.toFixed(5) + ", " + lon.toFixed(5));
    row(table, "MGRS", mgrs(lat, lon, 5));
    row(table, "Id", text(d, "id", i));
    var flags = text(d, "flags", i);
    if (flags) {
      row(table, "Flags", flags);
      table.lastChild.className = "geo-flag";
    }
    box.appendChild(table);
    var desc = text(d, "description", i);
    if (desc) box.appendChild(el("div", null, desc));
    if (!d.raw.texts) box.appendChild(el("div", "geo-note", "Many events in the window: details are in the table below the map."));
    var u = d.cols.unit && d.cols.unit[i] !== 65535 ? d.units[d.cols.unit[i]] : null;
    if (s.draw === "unit" && u) {
      box.appendChild(el("div", "geo-note", "Location known only to the " + u.lvl + " (" + u.name + "): the symbol marks its centre and the " + u.lvl + " is outlined, not the place."));
    } else if (s.draw === "callout") {
      box.appendChild(el("div", "geo-note", "Location known only to the country" + (u ? " (" + u.name + ")" : "") + ": listed in the box, not drawn on the map; the point above is the one the source states."));
    }
    return box;
  }

  /** The card of one admin unit (or of several units of one place: ``u`` an array, e.g. the events and the
   *  deployments known only to one raion): its name, how many events are known only to it, and a list of
   *  them; with ``open(i)``, each line opens that event's card. */
  function unitPopup(d, spec, u, cats, open) {
    var units = Array.isArray(u) ? u : [u], first = units[0], keys = {}, n = 0;
    units.forEach(function (x) { keys[x.k] = true; n += x.n; });
    var box = el("div", "geo-popup");
    box.appendChild(el("h4", null, first.name + (first.local && first.local !== first.name ? " / " + first.local : "")));
    box.appendChild(el("div", null, n + " event" + (n === 1 ? "" : "s") + " located only to this " + first.lvl + " (" + first.what + ")"));
    if (d.mode === "points" && d.cols.unit) {
      var list = el("ul", open ? "geo-id-units" : null), shown = 0;
      for (var i = 0; i < d.n && shown < 15; i++) {
        if (!keys[d.cols.unit[i]] || !cats[d.cols.code[i] & 7]) continue;
        var s = eventSummary(d, spec, i), t = text(d, "title", i);
        var li = el("li", null, s.when + " \u00B7 " + (t || s.cat.label) + " (" + s.ver.label + ")");
        if (open) {
          li.setAttribute("role", "button");
          li.tabIndex = 0;
          li.title = "Open this event";
          li.addEventListener("click", open.bind(null, i));
          li.addEventListener("keydown", function (j, e) { if (e.key === "Enter") open(j); }.bind(null, i));
        }
        list.appendChild(li);
        shown++;
      }
      box.appendChild(list);
      if (n > shown) box.appendChild(el("div", "geo-note", (n - shown) + " more: see the table below the map."));
    }
    return box;
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
    // what is shown goes back to the app (its link), once the swap or the tick has settled
    map.on("layeradd layerremove", function (e) { if (e.layer && e.layer._geo && e.layer._geo.name) reportOverlays(map); });
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
        calloutRender(map);
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
        calloutRender(map);
      },
      _select: function () {
        // the events drawn: shown categories, point precisions and (while the map's playback shows a day)
        // those on that day, or started by it (cumulative); per-event positions are computed once per data
        var d = this._d, spec = this._spec, cats = {}, i, k;
        spec.show_cats.forEach(function (c) { cats[c] = true; });
        this._cats = cats;
        this._symbolic = !!root.GeoUnits && spec.cats.some(function (c, q) { return c.name === "deployment" && cats[q]; });
        var play = this._map ? playSync(this._map, this) : null, day = playOffset(play, d);
        var cum = !!(play && play.cumulative);
        this._playKey = playKey(play);
        var n = d.mode === "points" ? d.n : 0, all = this._all || (this._all = prepareAll(d, spec, cats, n));
        var d0 = d.cols.d0, dl = d.cols.dl, keep = new Uint32Array(n), m = 0, call = [], nUnit = 0;
        for (i = 0; i < n; i++) {
          if (!all.base[i]) continue;
          if (day !== null) {
            var s0 = d0[i];
            if (s0 === 65535 || s0 > day || (!cum && s0 + dl[i] < day)) continue;
          }
          if (all.base[i] === 2) { call.push(i); continue; }  // known only to a country: listed, not drawn
          if (drawing(spec, d.cols.code[i]) === "unit") nUnit++;
          keep[m++] = i;
        }
        var sel = keep.slice(0, m);
        this._call = call;
        this._nUnit = nUnit;
        var mx = new Float64Array(m), my = new Float64Array(m), ox = new Float32Array(m), oy = new Float32Array(m);
        var seen = new Uint16Array(all.spots), per = new Uint32Array(all.keys.length), gi = all.gi;
        for (k = 0; k < m; k++) {
          i = sel[k];
          mx[k] = all.mx[i];
          my[k] = all.my[i];
          var c = seen[all.spot[i]]++;
          if (c > 0) {  // co-located events: a spiral (in symbol widths) so each stays visible and clickable
            var j = Math.min(c, 60), ang = j * 2.39996, rad = Math.sqrt(j);
            ox[k] = Math.cos(ang) * rad;
            oy[k] = Math.sin(ang) * rad;
          }
          per[gi[i]]++;
        }
        var groups = all.keys.map(function (g, q) { return [g, new Uint32Array(per[q])]; }), fill = new Uint32Array(all.keys.length);
        for (k = 0; k < m; k++) { var q = gi[sel[k]]; groups[q][1][fill[q]++] = k; }
        this._sel = sel;
        this._mx = mx; this._my = my; this._ox = ox; this._oy = oy;
        this._groups = groups.filter(function (g) { return g[1].length > 0; });
        this._unitDay = unitCounts(d, cats, day, cum);
        if (d.mode === "cells") this._selectCells();
        if (this._map) calloutRender(this._map);
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
        // No tooltip or popup per shape: the topmost polygon would answer (an oblast over the raion inside
        // it). The map's identify (identifyAt) finds every unit containing the point and opens the finest;
        // the shapes stay interactive so that the boundary tooltips beneath do not show through.
        // Only the records drawn as a unit: those of the events known only to a country go to the box.
        var d = this._d, spec = this._spec, self = this, group = L.featureGroup();
        this._unitIndex = [];
        d.units.forEach(function (u) {
          if (!self._cats[u.cat] || u.draw !== "unit") return;
          var style = unitStyle(spec, u, u.ver);
          var shape = u.latlngs ? L.polygon(u.latlngs, style) : L.circle(u.c, Object.assign({radius: u.r}, style));
          self._unitIndex.push(unitEntry(u, shape));
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
        var t0 = now();
        if (this._playKey !== playKey(map.__geoPlay)) this._select();  // the map's playback moved on
        if (this._units && this._unitsKey !== this._playKey) playUnits(this);
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
        this._drawMs = now() - t0;
      },
      _animate: function (e) {
        if (!this._bounds) return;
        var scale = this._map.getZoomScale(e.zoom);
        var offset = this._map._latLngBoundsToNewLayerBounds(this._bounds, e.zoom, e.center).min;
        L.DomUtil.setTransform(this._canvas, offset, scale);
      },
      _radius: function (z) { return z < 6 ? 3.5 : z < 9 ? 4.5 : 5.5; },
      /** milsymbol's size (a land unit's frame height, px) of a deployment's symbol at zoom ``z``. */
      _symbolSize: function (z) { return z < 6 ? 15 : z < 9 ? 19 : 23; },
      _queueRedraw: function () {
        var self = this;
        if (this._redrawQueued) return;
        this._redrawQueued = true;
        L.Util.requestAnimFrame(function () { self._redrawQueued = false; self._redraw(); });
      },
      _spacing: function (z) { return this._radius(z) * 3.8; },
      _drawPoints: function (ctx, v) {
        var spec = this._spec, r = this._radius(v.z), W = v.size.x, H = v.size.y, self = this;
        var lod = lodPlan(this, v), hide = lod.hide, shown = 0;  // crowded cells: one counted circle each
        var rings = [];
        this._groups.forEach(function (g) {
          var code = g[0] & 255, sym = g[0] >> 8, ks = g[1];
          var cat = spec.cats[code & 7], ver = spec.vers[(code >> 3) & 3], how = drawing(spec, code);
          var st = spec.styles.ver[ver.name];
          // a deployment is its APP-6 symbol (milsymbol, geo/render/units.js), its verification a small circle
          // at the symbol's lower right; without milsymbol loaded, a plain circle
          var symSpec = cat.name === "deployment" && root.GeoUnits ? (spec.syms || [])[sym] : null;
          var icon = symSpec ? root.GeoUnits.icon(symSpec.sidc, {size: self._symbolSize(v.z)}) : null;
          var img = icon ? root.GeoUnits.picture(icon, function () { self._queueRedraw(); }) : null;
          var size = icon ? Math.max(3, r * 0.75) : r;
          var drawn = [], marks = [];
          var sp = self._spacing(v.z);
          for (var q = 0; q < ks.length; q++) {
            var k = ks[q];
            if (hide && hide[k]) continue;
            var x = self._mx[k] * v.ws - v.ox + self._ox[k] * sp, y = self._my[k] * v.ws - v.oy + self._oy[k] * sp;
            if (x < -20 || y < -20 || x > W + 20 || y > H + 20) continue;
            drawn.push(x, y);
            if (icon) {
              var x0 = x - icon.anchor.x, y0 = y - icon.anchor.y;
              if (img.complete && img.naturalWidth) ctx.drawImage(img, x0, y0, icon.width, icon.height);
              marks.push(x0 + icon.width - size * 0.6, y0 + icon.height - size * 0.6);
            } else {
              marks.push(x, y);
            }
          }
          shown += drawn.length / 2;
          ctx.setLineDash(st.d || []);
          ctx.lineWidth = st.w;
          ctx.strokeStyle = st.sc || cat.colour;
          ctx.fillStyle = cat.colour;
          ctx.beginPath();
          for (var p = 0; p < marks.length; p += 2) {
            ctx.moveTo(marks[p] + size, marks[p + 1]);
            ctx.arc(marks[p], marks[p + 1], size, 0, 2 * Math.PI);
          }
          if (icon) {  // the verification circle sits on the symbol: a white ground under it
            ctx.save();
            ctx.fillStyle = "#fff";
            ctx.fill();
            ctx.restore();
          }
          if (st.fill) { ctx.globalAlpha = st.fill; ctx.fill(); ctx.globalAlpha = 1; }
          ctx.stroke();
          if (st.cross) {
            ctx.setLineDash([]);
            ctx.lineWidth = 1.4;
            ctx.strokeStyle = cat.colour;
            ctx.beginPath();
            var c = size * 0.6;
            for (var t = 0; t < marks.length; t += 2) {
              ctx.moveTo(marks[t] - c, marks[t + 1] - c); ctx.lineTo(marks[t] + c, marks[t + 1] + c);
              ctx.moveTo(marks[t] - c, marks[t + 1] + c); ctx.lineTo(marks[t] + c, marks[t + 1] - c);
            }
            ctx.stroke();
          }
          // near: an outer ring (around the whole symbol of a deployment)
          if (how === "near") rings.push([cat.colour, drawn, icon ? Math.max(icon.width, icon.height) / 2 : size]);
        });
        rings.forEach(function (ring) {
          ctx.beginPath();
          ctx.setLineDash([]);
          ctx.lineWidth = 1;
          ctx.strokeStyle = ring[0];
          ctx.globalAlpha = 0.6;
          var rr = ring[2] + 3.5, pts = ring[1];
          for (var t = 0; t < pts.length; t += 2) {
            ctx.moveTo(pts[t] + rr, pts[t + 1]);
            ctx.arc(pts[t], pts[t + 1], rr, 0, 2 * Math.PI);
          }
          ctx.stroke();
          ctx.globalAlpha = 1;
        });
        ctx.setLineDash([]);
        lodDraw(ctx, lod.clusters, spec);
        this._lod = {clusters: lod.clusters, points: shown, inView: lod.inView, hide: hide};  // hide: k in a cluster
      },
      /** A click on a cluster zooms in to its events (true: handled, the event popup is not opened). */
      _lodClick: function (e) { return lodClick(this, e); },
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
          ctx.fillStyle = ramp[cls];
          ctx.globalAlpha = 0.8;
          ctx.fillRect(x0, y0, w, h);
          ctx.globalAlpha = 1;
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
              best = i;
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
        // one hover answer per mouse move over every points layer and unit (hoverAt): the first layer
        // that hears the move answers it
        if (e.__geoHover) return;
        e.__geoHover = true;
        var self = this;
        if (this._moveQueued) { this._lastMove = e; return; }
        this._moveQueued = true;
        this._lastMove = e;
        L.Util.requestAnimFrame(function () {
          self._moveQueued = false;
          if (self._map) hoverAt(self._map, self._lastMove, self);
        });
      },
      _onClick: function (e) {
        if (this._lodClick && this._lodClick(e)) return;
        // one identify per click over every points layer and unit on the map (identifyAt): the first
        // layer that hears the click answers it
        if (!this._map || e.__geoIdentified) return;
        e.__geoIdentified = true;
        identifyAt(this._map, e);
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

    classes = {shapes: Shapes, points: Points, heat: Heat, group: Group, labels: labelsClass(Base), __base: Base};
    // unit symbols (geo/render/units.js, with milsymbol): made once both scripts have loaded
    if (window.GeoUnits && window.GeoUnits.layerClass) classes.units = window.GeoUnits.layerClass(Base);
    return classes;
  }

  /** A layer of kind ``kind`` (shapes, points, heat) built from ``spec`` when first added to a map. */
  G.layer = function (kind, spec) {
    var known = leafletClasses();
    if (!known.units && kind === "units" && window.GeoUnits && window.GeoUnits.layerClass) {
      known.units = window.GeoUnits.layerClass(known.__base);  // units.js loaded after the first layer
    }
    var C = known[kind];
    if (!C) throw new Error("geo-render: unknown layer kind " + kind);
    return new C(spec);
  };

  /** The group of registry layer ``options.name``, shown at first if ``options.show`` (the registry's
   *  default) unless the analyst chose otherwise in this tab. */
  G.group = function (options) {
    var group = new (leafletClasses().group)(options);
    replaceGroup(group);
    return group;
  };

  /** Keep ``map``'s view: restore the one last seen in this tab (a map created again), record each move. */
  G.keepView = function (map) {
    var v = recall("view");
    if (v && isFinite(v.lat) && isFinite(v.lng) && isFinite(v.zoom)) map.setView([v.lat, v.lng], v.zoom, {animate: false});
    map.on("moveend", function () {
      var c = map.getCenter();
      remember("view", {lat: c.lat, lng: c.lng, zoom: map.getZoom()});
      reportView(map);
    });
    map.on("movestart", function () { clearTimeout(map.__geoViewReport); });  // moving again: not still
    reportView(map);
  };

  /** Milliseconds the map must stay still before its view goes to the app. */
  var VIEW_REPORT_MS = 800;

  /** The view as the app hears it: an entry "geo:view" (centre, zoom, bounds) among streamlit-folium's
   *  ``selected_layers``, written and sent once the map has been still for VIEW_REPORT_MS. The app is not
   *  asked for bounds, centre or zoom directly, and the entry is not touched while the map moves:
   *  streamlit-folium reports after every move (250 ms debounce) whatever changed, and each report reruns
   *  the app, which re-renders the page while the analyst is still panning. */
  function reportView(map) {
    clearTimeout(map.__geoViewReport);
    map.__geoViewReport = setTimeout(function () {
      var gd = root.__GLOBAL_DATA__;
      if (!gd || !gd.selected_layers || root.map !== map) return;
      var c = map.getCenter(), b = map.getBounds();
      var r = function (x) { return Math.round(x * 1e5) / 1e5; };
      gd.selected_layers["geo:view"] = {name: "geo:view", url: "view", zoom: map.getZoom(),
        center: {lat: r(c.lat), lng: r(c.lng)},
        bounds: {_southWest: {lat: r(b.getSouth()), lng: r(b.getWest())}, _northEast: {lat: r(b.getNorth()), lng: r(b.getEast())}}};
      map.fire("overlayadd", {layer: null});  // streamlit-folium's (debounced) report
    }, VIEW_REPORT_MS);
  }

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

  /** What the page holds (for tests, benchmarks and diagnostics): point ``layers`` drawn and their
   *  ``events`` (symbols drawn and, of them, ``callout``: listed in the box of those known only to a country);
   *  registry ``groups`` alive (the newest per name) and ever ``created`` (a filter change
   *  creates a new set); data ``holders`` kept and payloads ``registered`` so far. */
  G._live = [];
  G._registered = 0;
  G.stats = function () {
    var n = 0, call = 0;
    G._live.forEach(function (l) {
      (l._groups || []).forEach(function (g) { n += g[1].length; });
      call += l._call ? l._call.length : 0;
    });
    return {layers: G._live.length, events: n + call, callout: call, groups: Object.keys(newest).length, created: groupsCreated,
      holders: Object.keys(registry).length, registered: G._registered};
  };

  // ---------------------------------------------------------------- memory: release replaced groups
  // streamlit-folium evals each rerun's groups and pushes them onto window.feature_group, taking the old
  // ones off the map but keeping them (and through them every layer, canvas and decoded array). When a
  // group of a registry name is created again, the one it replaces (if off every map) is dropped from that
  // list and emptied, and the data holders no remaining layer uses are evicted. Other groups of that list
  // that are off the map (plain folium groups swapped out before) are dropped and emptied too; a registry
  // group hidden by the analyst is off the map but still the newest of its name, and stays.

  var newest = {};  // registry name -> the newest group of that name
  var groupsCreated = 0;

  function replaceGroup(group) {
    groupsCreated++;
    mendLayerControl();
    var name = group._geo && group._geo.name;
    if (!name) return;
    var old = newest[name];
    newest[name] = group;
    if (old && old !== group && !old._map) releaseGroup(old);
    var list = root.feature_group;
    if (!Array.isArray(list)) return;
    list.slice().forEach(function (g) {
      if (!g || g._map || (g._geo && newest[g._geo.name] === g)) return;
      if (g._geo) releaseGroup(g);
      else {
        list.splice(list.indexOf(g), 1);
        if (g.clearLayers) g.clearLayers();
      }
    });
  }

  /** Leaflet 1.9's collapsed layer control listens to the map's clicks and never stops: every control
   *  streamlit-folium removes (one per rerun) stayed alive with its DOM and the groups it listed. */
  function mendLayerControl() {
    var proto = L.Control.Layers.prototype;
    if (proto.__geoMended) return;
    proto.__geoMended = true;
    var onRemove = proto.onRemove;
    proto.onRemove = function (map) {
      if (map) map.off("click", this.collapse, this);
      return onRemove.apply(this, arguments);
    };
  }

  function releaseGroup(group) {
    var list = root.feature_group;
    if (Array.isArray(list)) {
      for (var i = list.length - 1; i >= 0; i--) if (list[i] === group) list.splice(i, 1);
    }
    var keys = [];
    group.eachLayer(function (layer) { if (layer._spec && layer._spec.data) keys.push(layer._spec.data); });
    group.clearLayers();
    keys.forEach(function (key) { if (!dataInUse(key)) delete registry[key]; });
  }

  /** Whether a layer of a live group draws from data ``key``. */
  function dataInUse(key) {
    return Object.keys(newest).some(function (name) {
      var used = false;
      newest[name].eachLayer(function (layer) { if (layer._spec && layer._spec.data === key) used = true; });
      return used;
    });
  }

  // ---------------------------------------------------------------- tiles-failed notice
  // Offline (or behind a proxy that refuses the tile servers) the chosen base tiles never load and the map
  // is a grey field. When a base tile layer has failed on several tiles and loaded none, a small notice on
  // the map says so and offers the "No tiles" base layer, which takes the tile layers off (the layer control
  // follows) and gives the map a plain light ground.

  var TILE_CSS = [
    ".geo-tiles-failed{position:absolute;top:10px;left:50%;transform:translateX(-50%);z-index:1000;",
    "background:#fff8e1;border:1px solid #c9a227;border-radius:4px;padding:4px 8px;display:flex;gap:8px;",
    "align-items:center;font:12px/1.4 system-ui,sans-serif;color:#222;box-shadow:0 1px 4px rgba(0,0,0,.25)}",
    ".geo-tiles-failed button{font:inherit;padding:1px 8px;cursor:pointer}",
    ".leaflet-container.geo-no-tiles{background:#f7f7f4}",
  ].join("");

  /** Watch ``map``'s base tile layers; ``noTiles`` is the "No tiles" base layer to offer. Once per map. */
  G.tileNotice = function (map, noTiles, options) {
    if (!map || map.__geoTiles) return;
    var min = (options && options.errors) || 2, box = null, failing = null;
    map.__geoTiles = true;
    if (!document.getElementById("geo-tiles-style")) {
      var s = document.createElement("style");
      s.id = "geo-tiles-style";
      s.appendChild(document.createTextNode(TILE_CSS));
      document.head.appendChild(s);
    }
    var hide = function () {
      if (box && box.parentNode) box.parentNode.removeChild(box);
      box = null;
      failing = null;
    };
    var show = function (layer) {
      if (box || !layer._map) return;
      failing = layer;
      box = el("div", "geo-tiles-failed leaflet-control");
      box.setAttribute("role", "status");
      box.appendChild(el("span", null, "Map tiles could not be loaded (offline?)"));
      if (noTiles) {
        var btn = el("button", null, "No tiles");
        btn.type = "button";
        btn.title = "Switch the base layer to No tiles";
        btn.addEventListener("click", function () { G.useNoTiles(map, noTiles); });
        box.appendChild(btn);
      }
      L.DomEvent.disableClickPropagation(box);
      map.getContainer().appendChild(box);
    };
    var watch = function (layer) {
      if (!(layer instanceof L.TileLayer) || layer.__geoWatched) return;
      layer.__geoWatched = true;
      var errors = 0, loads = 0;
      layer.on("tileerror", function () {
        errors++;
        if (errors >= min && loads === 0) show(layer);
      });
      layer.on("tileload", function () { loads++; if (failing === layer) hide(); });
      layer.on("remove", function () { errors = 0; loads = 0; if (failing === layer) hide(); });
    };
    var ground = function () {
      var none = !!(noTiles && map.hasLayer(noTiles));
      map.getContainer().classList.toggle("geo-no-tiles", none);
      if (none) hide();
    };
    map.eachLayer(watch);
    map.on("layeradd", function (e) { watch(e.layer); if (e.layer === noTiles) ground(); });
    map.on("layerremove", function (e) { if (e.layer === noTiles) ground(); });
    map.whenReady(ground);
  };

  /** Make ``noTiles`` the base layer of ``map``: every tile layer off, the layer control's radio follows. */
  G.useNoTiles = function (map, noTiles) {
    var tiles = [];
    map.eachLayer(function (layer) { if (layer instanceof L.TileLayer) tiles.push(layer); });
    tiles.forEach(function (layer) { map.removeLayer(layer); });
    if (noTiles && !map.hasLayer(noTiles)) map.addLayer(noTiles);
    map.fire("baselayerchange", {layer: noTiles, name: "No tiles"});
  };

  // ---------------------------------------------------------------- shareable view: overlays reported, link restored
  // The app keeps its state in the page URL. The runtime reports which registry layers are shown through
  // streamlit-folium's returned ``selected_layers`` (one entry per registry name, url "shown" or "hidden"),
  // and restores a link: its overlays once per session token (before the groups decide whether they start
  // shown), its drawn shapes on a new map or when the app's generation of them changes (a cleared filter).

  function reportOverlays(map) {
    if (map.__geoReport) return;
    map.__geoReport = setTimeout(function () {  // after the swap and the groups' own removals
      map.__geoReport = null;
      var gd = root.__GLOBAL_DATA__, st = map.__geoOverlays;
      if (!gd || !gd.selected_layers || !st || root.map !== map) return;
      var changed = false;
      Object.keys(st.groups).forEach(function (name) {
        var url = map.hasLayer(st.groups[name]) ? "shown" : "hidden", key = "geo:" + name;
        var old = gd.selected_layers[key];
        if (!old || old.url !== url) { gd.selected_layers[key] = {name: name, url: url}; changed = true; }
      });
      if (changed) map.fire("overlayadd", {layer: null});  // streamlit-folium's (debounced) report
    }, 0);
  }

  function applyOverlays(map, spec) {
    if (!spec.seed || !spec.overlays || recall("seeded") === spec.seed) return;
    remember("seeded", spec.seed);
    var kept = {};
    (spec.names || []).forEach(function (name) { kept[name] = spec.overlays.indexOf(name) >= 0; });
    remember("overlays", kept);
    var st = overlayState(map);  // groups already on the map (the base map's boundary layers)
    Object.keys(st.groups).forEach(function (name) {
      var g = st.groups[name], want = kept[name];
      if (want === true && !map.hasLayer(g)) map.addLayer(g);
      else if (want === false && map.hasLayer(g)) map.removeLayer(g);
    });
  }

  /** The Leaflet layer of a drawn shape ({kind, points: [[lon, lat]...], radius}); an axis-aligned box
   *  comes back as a rectangle (edited as one). */
  function shapeLayer(s, style) {
    var pts = s.points.map(function (p) { return [p[1], p[0]]; });
    var layer;
    if (s.kind === "circle") {
      layer = L.circle(pts[0], L.extend({radius: s.radius}, style));
      layer.feature = {type: "Feature", properties: {radius: s.radius}};
      return layer;
    }
    var lats = pts.map(function (p) { return p[0]; }), lons = pts.map(function (p) { return p[1]; });
    var box = pts.length === 4 && pts.every(function (p) {
      return (p[0] === Math.min.apply(null, lats) || p[0] === Math.max.apply(null, lats)) &&
        (p[1] === Math.min.apply(null, lons) || p[1] === Math.max.apply(null, lons));
    });
    layer = box ? L.rectangle(L.latLngBounds(pts), style) : L.polygon(pts, style);
    layer.feature = {type: "Feature", properties: {}};
    return layer;
  }

  function applyShapes(map, spec) {
    var items = map.__geoDrawn, gd = root.__GLOBAL_DATA__;
    if (!items) return;
    // every report says which generation of the app's shapes the map shows ("geo:draw"): a report sent
    // before the map applied a newer one (a clear, a link) carries drawings the app no longer has
    if (gd && gd.selected_layers && root.map === map) gd.selected_layers["geo:draw"] = {name: "geo:draw", url: "draw", gen: spec.gen};
    if (map.__geoDrawnGen === spec.gen) return;
    map.__geoDrawnGen = spec.gen;
    items.clearLayers();
    (spec.shapes || []).forEach(function (s) { items.addLayer(shapeLayer(s, spec.style || {})); });
    if (gd && root.map === map) gd.all_drawings = items.toGeoJSON().features;
  }

  var restored = [];  // the restore layers added so far (one per rerun's groups)

  /** A layer that, once on a map, applies the link's ``spec``: {seed, overlays, names, shapes, gen, style}.
   *  The groups of earlier ones, off the map, leave streamlit-folium's list (nothing else holds them). */
  G.restore = function (spec) {
    var Restore = L.Layer.extend({
      _geoRestore: true,
      onAdd: function (map) {
        applyOverlays(map, spec);
        applyShapes(map, spec);
        var self = this, list = root.feature_group;
        restored = restored.filter(function (old) {
          if (old === self || old._map) return true;
          Object.keys(old._eventParents || {}).forEach(function (k) {
            var group = old._eventParents[k];
            for (var i = Array.isArray(list) ? list.length - 1 : -1; i >= 0; i--) if (list[i] === group) list.splice(i, 1);
          });
          return false;
        });
        if (restored.indexOf(this) < 0) restored.push(this);
      },
      onRemove: function () {},
    });
    return new Restore();
  };

  // ---------------------------------------------------------------- drawing: the drawn filter
  // Leaflet.draw's toolbar (polygon, rectangle, circle; edit, delete). Its items are what streamlit-folium
  // returns as ``all_drawings``; a circle carries its radius (metres) in ``feature.properties.radius``, kept
  // up to date when it is edited.

  G.draw = function (map, options) {
    var o = options || {}, style = o.style || {};
    var items = new L.FeatureGroup().addTo(map);
    map.__geoDrawn = items;
    new L.Control.Draw({
      position: o.position || "topleft",
      draw: {polyline: false, marker: false, circlemarker: false,
        polygon: {shapeOptions: style, allowIntersection: false, showArea: false},
        rectangle: {shapeOptions: style, showArea: false},  // showArea breaks Leaflet.draw 1.0 on Leaflet 1.9
        circle: {shapeOptions: style, metric: true, feet: false}},
      edit: {featureGroup: items},
    }).addTo(map);
    map.on(L.Draw.Event.CREATED, function (e) {
      if (e.layerType === "circle") e.layer.feature = {type: "Feature", properties: {radius: e.layer.getRadius()}};
      items.addLayer(e.layer);
    });
    map.on(L.Draw.Event.EDITED, function (e) {
      e.layers.eachLayer(function (layer) {
        if (layer instanceof L.Circle) layer.feature = {type: "Feature", properties: {radius: layer.getRadius()}};
      });
    });
    // the release that ends a shape also clicks what lies under it: that click identifies nothing (no popup,
    // no click reported to the app); stopped on its way down, before any layer sees it
    var ended = 0;
    map.on(L.Draw.Event.DRAWSTOP, function () { ended = Date.now(); });
    map.getContainer().addEventListener("click", function (e) {
      if (Date.now() - ended < 400) e.stopPropagation();
    }, true);
    return items;
  };

  // ---------------------------------------------------------------- playback: time that plays in the browser
  // One control per map (bottom left, above the scale and cursor readout). The window's events arrive once with
  // their day (d0: start offset from day0, dl: duration); the control picks a day of the window (the points
  // spec's ``window``) and every points layer on the map re-selects the events on that day (interval
  // [d0, d0 + dl] covers it) or, cumulative, started by it (d0 <= day), then redraws its canvas and hides
  // the admin units with no event that day: no server round trip. Keys (the map's page, or the app page
  // around it, not while typing in a field): space play/pause; while a day is shown ← → step, Home/End
  // first/last day (with the whole window shown the arrows pan the map as usual).

  var DAY_MS = 86400000;
  var PLAY_SPEEDS = [0.25, 0.5, 1, 2];  // seconds per day
  var WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var PLAY_CSS = [
    ".geo-play{background:rgba(255,255,255,.95);padding:5px 8px 4px;font:12px/1.3 system-ui,sans-serif;color:#222;",
    "min-width:340px;box-sizing:border-box}",
    ".geo-play-row{display:flex;align-items:center;gap:3px}",
    ".geo-play button{font:inherit;cursor:pointer;background:#fff;border:1px solid #bbb;border-radius:3px;height:24px;",
    "min-width:26px;padding:0 6px;display:inline-flex;align-items:center;justify-content:center;color:#222}",
    ".geo-play button:disabled{opacity:.35;cursor:default}.geo-play button:hover:not(:disabled){background:#eef3f8}",
    ".geo-play button.geo-play-main{background:#1f4e79;border-color:#1f4e79;color:#fff}",
    ".geo-play button.geo-play-main:hover:not(:disabled){background:#2b6aa3}",
    ".geo-play svg{display:block;fill:currentColor}",
    ".geo-play-txt{margin-left:6px;flex:1 1 auto}.geo-play-day{font-weight:600;white-space:nowrap}",
    ".geo-play-count{color:#555;font-size:11px;white-space:nowrap}",
    ".geo-play-scrub{width:100%;margin:4px 0 2px;accent-color:#1f4e79}",
    ".geo-play-opts{justify-content:space-between;font-size:11px;gap:8px}",
    ".geo-play select{font:inherit;padding:0}.geo-play label{display:inline-flex;align-items:center;gap:3px;cursor:pointer}",
    ".geo-play.geo-play-off .geo-play-scrub,.geo-play.geo-play-off .geo-play-opts{display:none}",
    // the whole window shown and not playing: no day scrubber, so the control covers less of the map (it
    // appears with a day)
    ".geo-play.geo-play-idle .geo-play-scrub{display:none}",
  ].join("");
  var ICONS = {
    first: "M2,2h2v10h-2zM12,2L5,7L12,12z", prev: "M11,2L4,7L11,12z", play: "M4,2L12,7L4,12z",
    pause: "M3,2h3v10h-3zM8,2h3v10h-3z", next: "M3,2L10,7L3,12z", last: "M2,2L9,7L2,12zM10,2h2v10h-2z",
  };

  function now() { return root.performance ? root.performance.now() : Date.now(); }

  function dayNumber(iso) { return Math.round(Date.parse(iso + "T00:00:00Z") / DAY_MS); }

  function dayIso(n) { return new Date(n * DAY_MS).toISOString().slice(0, 10); }

  /** "Sat 10 Aug 2024" (UTC: the days of the data are calendar days). */
  function dayLabel(n, year) {
    var d = new Date(n * DAY_MS), dd = d.getUTCDate();
    return WEEKDAYS[d.getUTCDay()] + " " + (dd < 10 ? "0" : "") + dd + " " + MONTHS[d.getUTCMonth()] +
      (year === false ? "" : " " + d.getUTCFullYear());
  }

  function playState(map) {
    if (map.__geoPlay) return map.__geoPlay;
    var kept = recall("play") || {};
    map.__geoPlay = {map: map, first: null, last: null, day: null, cells: false, playing: false, timer: null,
      cumulative: !!kept.cumulative, speed: PLAY_SPEEDS.indexOf(kept.speed) >= 0 ? kept.speed : 1, ui: null,
      stepMs: null, queued: false};
    map.on("layeradd layerremove", function (e) { if (e.layer && e.layer._playKey !== undefined) redrawPoints(map); });
    return map.__geoPlay;
  }

  /** The map's playback state, after taking in ``layer``'s window: another window starts at the whole
   *  window again (a map created again in the tab reopens on the day it showed, same window only). */
  function playSync(map, layer) {
    var st = playState(map), w = layer._spec.window;
    st.cells = layer._d.mode === "cells";
    if (w && w.length === 2) {
      var first = dayNumber(w[0]), last = dayNumber(w[1]);
      if (isFinite(first) && isFinite(last) && (first !== st.first || last !== st.last)) {
        var kept = recall("play") || {};
        st.first = Math.min(first, last);
        st.last = Math.max(first, last);
        var same = kept.first === st.first && kept.last === st.last && typeof kept.day === "number";
        st.day = same && kept.day >= st.first && kept.day <= st.last ? kept.day : null;
        if (st.day === null) pause(st);
      }
    }
    playControl(map, st);
    playRender(st);
    return st;
  }

  /** What a layer's selection depends on: the day shown and the mode ("all" for the whole window). */
  function playKey(st) {
    return !st || st.day === null || st.cells ? "all" : (st.cumulative ? "c" : "d") + st.day;
  }

  /** The day shown as an offset from the data's day0 (the d0 column's origin); null: the whole window. */
  function playOffset(st, d) {
    return !st || st.day === null || st.cells ? null : st.day - Math.round(d.day0 / DAY_MS);
  }

  /** Per event, once per data: how it is shown (``base``: 1 a symbol on the canvas, 2 an entry in the box of
   *  events known only to a country, 0 not at all: category off, or drawn as nothing), where its symbol is
   *  drawn (``dlat``, ``dlon`` at the payload's scale: its own point, or its unit's label point for the
   *  events known only to a unit) and that place in Web Mercator (0..1), co-located spot and drawing group
   *  (code and deployment kind, in code order). The drawing of each precision is ``spec.drawing``. */
  function prepareAll(d, spec, cats, n) {
    var base = new Uint8Array(n), mx = new Float64Array(n), my = new Float64Array(n);
    var dlat = new Int32Array(n), dlon = new Int32Array(n);
    var spot = new Uint32Array(n), gi = new Uint16Array(n), spots = new Map(), at = {}, keys = [], i;
    var lat = d.cols.lat, lon = d.cols.lon, code = d.cols.code, sym = d.cols.sym, scale = d.raw.scale, unit = d.cols.unit;
    for (i = 0; i < n; i++) {
      var c = code[i], how = drawing(spec, c);
      if (!cats[c & 7]) continue;
      var u = unit && unit[i] !== 65535 ? d.units[unit[i]] : null;
      if (how === "callout") { base[i] = 2; continue; }
      if (how !== "point" && how !== "near" && how !== "unit") continue;
      base[i] = 1;
      var lp = how === "unit" && u && u.lp ? u.lp : null;  // a unit's events: their symbol at its label point
      dlat[i] = lp ? Math.round(lp[0] * scale) : lat[i];
      dlon[i] = lp ? Math.round(lp[1] * scale) : lon[i];
      var s = Math.sin(dlat[i] / scale * Math.PI / 180);
      mx[i] = (dlon[i] / scale + 180) / 360;
      my[i] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
      var key = (dlat[i] + 9000000) * 40000000 + (dlon[i] + 18000000), p = spots.get(key);
      if (p === undefined) { p = spots.size; spots.set(key, p); }
      spot[i] = p;
      var gk = c + 256 * (sym ? sym[i] : 0), q = at[gk];
      if (q === undefined) { q = at[gk] = keys.length; keys.push(gk); }
      gi[i] = q;
    }
    var order = keys.map(function (g, q) { return q; }).sort(function (a, b) { return keys[a] - keys[b]; });
    var rank = new Uint16Array(keys.length);
    order.forEach(function (q, r) { rank[q] = r; });
    for (i = 0; i < n; i++) if (base[i] === 1) gi[i] = rank[gi[i]];
    return {base: base, mx: mx, my: my, dlat: dlat, dlon: dlon, spot: spot, spots: spots.size, gi: gi,
      keys: order.map(function (q) { return keys[q]; })};
  }

  /** Events per admin unit on day offset ``day`` (null: the whole window, no counts), and the verification
   *  its outline is dashed as (``ver``: the most assured of its events that day; codes into spec.vers). */
  function unitCounts(d, cats, day, cum) {
    if (day === null || !d.cols.unit || !d.units.length) return null;
    var out = new Uint32Array(d.units.length), ver = new Uint8Array(d.units.length).fill(255);
    var u = d.cols.unit, d0 = d.cols.d0, dl = d.cols.dl, code = d.cols.code;
    for (var i = 0; i < d.n; i++) {
      var k = u[i], s0 = d0[i];
      if (k === 65535 || !cats[code[i] & 7] || s0 === 65535 || s0 > day || (!cum && s0 + dl[i] < day)) continue;
      out[k]++;
      var v = (code[i] >> 3) & 3;
      if (v < ver[k]) ver[k] = v;
    }
    out.ver = ver;
    return out;
  }

  /** The Leaflet style of the outline of unit ``u`` (events known only to it): thin, in its category's
   *  colour, dashed or dotted as the event symbols of verification code ``v`` (spec.styles.ver), never a
   *  visible fill (the event is not the whole unit: the fill is there, transparent, only to take the pointer). */
  function unitStyle(spec, u, v) {
    var colour = spec.cats[u.cat].colour, name = (spec.vers[v] || spec.vers[u.ver] || spec.vers[0]).name;
    var st = spec.styles.ver[name] || {};
    return {pane: "geoUnits", color: colour, weight: 1.4, opacity: 0.9, dashArray: st.d ? st.d.map(function (x) { return x * 1.5; }).join(" ") : null,
      fill: true, fillColor: colour, fillOpacity: 0};
  }

  /** Show only the admin units with an event on the day shown (all of them for the whole window), each
   *  outline dashed as the most assured of the events it shows. */
  function playUnits(layer) {
    layer._unitsKey = layer._playKey;
    var counts = layer._unitDay, group = layer._units, d = layer._d;
    if (!layer._unitShapes) {  // the unit shapes as _buildUnits added them (one per unit drawn)
      layer._unitShapes = (layer._unitIndex || []).map(function (e) { return [e.u.k, e.shape, e.u.ver]; });
    }
    layer._unitShapes.forEach(function (p) {
      var v = counts && counts[p[0]] > 0 ? counts.ver[p[0]] : d.units[p[0]].ver;
      if (v !== p[2]) { p[2] = v; p[1].setStyle({dashArray: unitStyle(layer._spec, d.units[p[0]], v).dashArray}); }
      var on = !counts || counts[p[0]] > 0, path = p[1]._path;
      if (path && group.hasLayer(p[1])) {  // an SVG shape: shown or not by its style (no DOM churn per step)
        var display = on ? "" : "none";
        if (path.style.display !== display) path.style.display = display;
      } else if (on && !group.hasLayer(p[1])) group.addLayer(p[1]);
      else if (!on && group.hasLayer(p[1])) group.removeLayer(p[1]);
    });
  }

  /** Events of ``layer`` shown now: {all, unit (symbols at a unit's label point), callout (listed in the
   *  box of events known only to a country)}; aggregated: those its unit and country records count. */
  function layerCounts(layer) {
    var d = layer._d;
    if (!d) return {all: 0, unit: 0, callout: 0};
    if (d.mode !== "points") {
      var out = {all: 0, unit: 0, callout: 0};
      (d.units || []).forEach(function (u) {
        if (!layer._cats[u.cat]) return;
        if (u.draw === "callout") out.callout += u.n; else out.unit += u.n;
      });
      out.all = out.unit + out.callout;
      return out;
    }
    var call = layer._call ? layer._call.length : 0;
    return {all: (layer._sel ? layer._sel.length : 0) + call, unit: layer._nUnit || 0, callout: call};
  }

  function unitEvents(layer) { return layerCounts(layer).unit; }

  function setDay(st, day) {
    var t0 = now();
    st.day = day === null || st.first === null ? null : Math.max(st.first, Math.min(st.last, day));
    remember("play", {first: st.first, last: st.last, day: st.day, cumulative: st.cumulative, speed: st.speed});
    var layers = st.map.__geoPoints || [], key = playKey(st);
    layers.forEach(function (layer) { if (layer._playKey !== key) layer._select(); });  // all, before any draws
    layers.forEach(function (layer) { layer._redraw(); });
    st.stepMs = now() - t0;
    playRender(st, true);
  }

  function play(st) {
    if (st.first === null || st.cells) return;
    if (st.day === null || st.day >= st.last) setDay(st, st.first);
    st.playing = true;
    schedule(st);
    playRender(st, true);
  }

  function schedule(st) {
    clearTimeout(st.timer);
    st.timer = setTimeout(function () {
      if (!st.playing) return;
      if (st.day === null || st.day >= st.last) { pause(st); return; }
      setDay(st, st.day + 1);
      if (st.day >= st.last) pause(st); else schedule(st);
    }, st.speed * 1000);
  }

  function pause(st) {
    st.playing = false;
    clearTimeout(st.timer);
    st.timer = null;
    playRender(st, true);
  }

  function step(st, by) {
    pause(st);
    setDay(st, (st.day === null ? (by > 0 ? st.first - 1 : st.last + 1) : st.day) + by);
  }

  function playControl(map, st) {
    if (st.ui) return;
    if (!document.getElementById("geo-play-style")) {
      var style = document.createElement("style");
      style.id = "geo-play-style";
      style.appendChild(document.createTextNode(PLAY_CSS));
      document.head.appendChild(style);
    }
    var box = L.DomUtil.create("div", "geo-play leaflet-control leaflet-bar"), ui = {box: box, icons: {}};
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Day-by-day playback");
    var row = el("div", "geo-play-row");
    var button = function (name, title, iconName, fn, cls) {
      var b = el("button", cls || null);
      b.type = "button";
      b.title = title;
      b.setAttribute("aria-label", name);
      b.appendChild(svgIcon(iconName));
      b.addEventListener("click", fn);
      row.appendChild(b);
      return b;
    };
    ui.first = button("First day", "First day (Home)", "first", function () { pause(st); setDay(st, st.first); });
    ui.prev = button("Previous day", "Previous day (\u2190)", "prev", function () { step(st, -1); });
    ui.play = button("Play", "Play / pause (space)", "play", function () { if (st.playing) pause(st); else play(st); }, "geo-play-main");
    ui.next = button("Next day", "Next day (\u2192)", "next", function () { step(st, 1); });
    ui.last = button("Last day", "Last day (End)", "last", function () { pause(st); setDay(st, st.last); });
    var txt = el("div", "geo-play-txt");
    ui.day = el("div", "geo-play-day");
    ui.day.setAttribute("aria-live", "polite");
    ui.count = el("div", "geo-play-count");
    txt.appendChild(ui.day);
    txt.appendChild(ui.count);
    row.appendChild(txt);
    box.appendChild(row);
    ui.scrub = el("input", "geo-play-scrub");
    ui.scrub.type = "range";
    ui.scrub.min = "0";
    ui.scrub.setAttribute("aria-label", "Day of the window");
    ui.scrub.addEventListener("input", function () { pause(st); setDay(st, st.first + Number(ui.scrub.value)); });
    box.appendChild(ui.scrub);
    var opts = el("div", "geo-play-row geo-play-opts");
    var speed = el("label", null, "Speed ");
    ui.speed = el("select");
    ui.speed.setAttribute("aria-label", "Seconds per day");
    PLAY_SPEEDS.forEach(function (s) {
      var o = el("option", null, s + " s / day");
      o.value = String(s);
      ui.speed.appendChild(o);
    });
    ui.speed.addEventListener("change", function () {
      st.speed = Number(ui.speed.value);
      remember("play", {first: st.first, last: st.last, day: st.day, cumulative: st.cumulative, speed: st.speed});
      if (st.playing) schedule(st);
    });
    speed.appendChild(ui.speed);
    opts.appendChild(speed);
    var cum = el("label", null);
    ui.cumulative = el("input");
    ui.cumulative.type = "checkbox";
    ui.cumulative.addEventListener("change", function () {
      st.cumulative = ui.cumulative.checked;
      setDay(st, st.day);
    });
    cum.title = "Show every event so far (started on or before the day), not only those of the day";
    cum.appendChild(ui.cumulative);
    cum.appendChild(document.createTextNode("Cumulative"));
    opts.appendChild(cum);
    ui.all = el("button", null, "Whole window");
    ui.all.type = "button";
    ui.all.title = "Show every event of the window again";
    ui.all.addEventListener("click", function () { pause(st); setDay(st, null); });
    opts.appendChild(ui.all);
    box.appendChild(opts);
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    st.ui = ui;
    // bottom left, stacked above the scale and the cursor readout (Leaflet puts a later bottom control on
    // top): clear of the layer control and legend (right), the attribution (bottom right) and the tools (top left)
    var Ctl = L.Control.extend({options: {position: "bottomleft"}, onAdd: function () { return box; }});
    st.ctl = new Ctl();
    st.ctl.addTo(map);
    playKeys(st);
  }

  /** Bring the control up to date (soon: the layers' selections settle first; ``now``: at once). */
  function playRender(st, immediate) {
    if (!st.ui) return;
    if (!immediate) {
      if (!st.queued) { st.queued = true; setTimeout(function () { st.queued = false; playRender(st, true); }, 0); }
      return;
    }
    var ui = st.ui, has = st.first !== null, on = has && st.day !== null && !st.cells;
    ui.box.style.display = has ? "" : "none";
    if (!has) return;
    var n = st.last - st.first + 1, sameYear = dayIso(st.first).slice(0, 4) === dayIso(st.last).slice(0, 4);
    ui.box.classList.toggle("geo-play-off", st.cells);
    ui.box.classList.toggle("geo-play-idle", !on && !st.playing);
    if (st.cells) {
      ui.day.textContent = "Too many events to play day by day";
      ui.count.textContent = "Narrow the filters to 200,000 events or fewer";
    } else if (on) {
      ui.day.textContent = dayLabel(st.day) + " \u00B7 day " + (st.day - st.first + 1) + " of " + n;
    } else {
      ui.day.textContent = n === 1 ? dayLabel(st.first) + " \u00B7 the whole window" :
        "All " + n + " days \u00B7 " + dayLabel(st.first, !sameYear) + " \u2013 " + dayLabel(st.last);
    }
    if (!st.cells) {
      var events = 0;
      (st.map.__geoPoints || []).forEach(function (l) { events += layerCounts(l).all; });
      ui.count.textContent = events.toLocaleString("en") + " event" + (events === 1 ? "" : "s") +
        (!on ? " in the window" : st.cumulative ? " so far" : " on this day");
    }
    ui.play.replaceChild(svgIcon(st.playing ? "pause" : "play"), ui.play.firstChild);
    ui.play.setAttribute("aria-label", st.playing ? "Pause" : "Play");
    ui.first.disabled = ui.prev.disabled = st.cells || (on && st.day <= st.first);
    ui.next.disabled = ui.last.disabled = st.cells || (on && st.day >= st.last);
    ui.play.disabled = st.cells;
    ui.all.disabled = !on;
    ui.scrub.max = String(n - 1);
    ui.scrub.value = String(on ? st.day - st.first : 0);
    ui.scrub.disabled = st.cells;
    ui.speed.value = String(st.speed);
    ui.cumulative.checked = st.cumulative;
  }

  function svgIcon(name) {
    var s = svg("svg", {width: 14, height: 14, viewBox: "0 0 14 14", "aria-hidden": "true"});
    s.appendChild(svg("path", {d: ICONS[name]}));
    return s;
  }

  var keyTarget = null;  // the playback the keys drive: the newest control on this page

  /** ← → space Home End for the playback, from this page and (same origin) the app page around it. */
  function playKeys(st) {
    keyTarget = st;
    if (root.__geoPlayKeys) return;
    root.__geoPlayKeys = true;
    var handle = function (e) {
      var s = keyTarget, t = e.target, tag = t && t.tagName ? t.tagName.toUpperCase() : "";
      if (!s || !s.ui || s.first === null || s.cells || e.ctrlKey || e.metaKey || e.altKey) return false;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (t && t.isContentEditable)) return false;
      var k = e.key, on = s.day !== null;
      if (k === " " || k === "Spacebar") {
        if (tag === "BUTTON" || tag === "A") return false;  // the focused button acts itself
        if (s.playing) pause(s); else play(s);
      } else if (on && (k === "ArrowRight" || k === "ArrowLeft")) {
        step(s, k === "ArrowRight" ? 1 : -1);
      } else if (on && (k === "Home" || k === "End")) {
        pause(s);
        setDay(s, k === "Home" ? s.first : s.last);
      } else {
        return false;
      }
      e.preventDefault();
      e.stopPropagation();  // capture phase: Leaflet's keyboard panning does not see it
      return true;
    };
    document.addEventListener("keydown", handle, true);
    try {
      var outer = root.parent && root.parent !== root ? root.parent.document : null;
      if (outer) {
        var fromOuter = function (e) {
          if (!root.frameElement || !root.frameElement.isConnected) {  // this map's frame is gone
            outer.removeEventListener("keydown", fromOuter, true);
            return;
          }
          if (e.target === outer.body || e.target === outer.documentElement) handle(e);  // nothing focused
        };
        outer.addEventListener("keydown", fromOuter, true);
        root.addEventListener("pagehide", function () { outer.removeEventListener("keydown", fromOuter, true); });
      }
    } catch (err) { /* another origin: keys work when the map's page has focus */ }
  }

  /** The playback of ``map`` (default: the first map with points) for tests, benchmarks and diagnostics:
   *  window, day shown, label, mode, events shown (every drawing; of them, those at a unit's label point and
   *  those listed as known only to a country), what the last redraw drew
   *  (individual points, clusters) and how long a redraw and the last step took (ms). */
  G.playback = function (map) {
    map = map || (G._live[0] && G._live[0]._map);
    var st = map && map.__geoPlay;
    if (!st) return null;
    var out = {first: st.first === null ? null : dayIso(st.first), last: st.last === null ? null : dayIso(st.last),
      day: st.day === null ? null : dayIso(st.day), label: st.ui ? st.ui.day.textContent : null,
      count: st.ui ? st.ui.count.textContent : null, cumulative: st.cumulative, playing: st.playing,
      speed: st.speed, events: 0, unitEvents: 0, calloutEvents: 0, points: 0, clusters: 0, clustered: 0, drawMs: 0,
      stepMs: st.stepMs};
    (map.__geoPoints || []).forEach(function (l) {
      var c = layerCounts(l);
      out.events += c.all;
      out.unitEvents += c.unit;
      out.calloutEvents += c.callout;
      if (l._lod) {
        out.points += l._lod.points;
        out.clusters += l._lod.clusters.length;
        l._lod.clusters.forEach(function (c) { out.clustered += c.n; });
      }
      out.drawMs = Math.max(out.drawMs, l._drawMs || 0);
    });
    return out;
  };

  // ---------------------------------------------------------------- level of detail: clusters when crowded
  // Per redraw, when a points layer has more than LOD_POINTS events in view (and the map is zoomed out of
  // LOD_MAX_ZOOM), the events in view are counted on a screen grid of LOD_CELL px anchored to the world
  // (cells do not jump while panning): a cell with LOD_MIN events or more is drawn as one circle (area
  // growing with the log of the count, the count written in it, the colour of its most frequent category);
  // sparser cells keep their points. One pass over the typed arrays: O(n) per redraw.

  var LOD_CELL = 60, LOD_POINTS = 1500, LOD_MIN = 4, LOD_MAX_ZOOM = 13;

  function lodPlan(layer, v) {
    // every points layer of the map counts (events and deployments crowd the same screen): one grid over
    // all of them; the first layer on the map draws the clusters, each layer hides its own clustered points
    var map = layer._map, out = {hide: null, clusters: [], inView: 0};
    var layers = (map.__geoPoints || []).filter(function (l) { return l._sel && l._mx && l._d && l._d.mode === "points"; });
    if (layers.indexOf(layer) < 0) layers.push(layer);
    var m = layer._sel.length, total = 0;
    layers.forEach(function (l) { total += l._sel.length; });
    if (total <= LOD_POINTS || v.z >= LOD_MAX_ZOOM) return out;
    var W = v.size.x, H = v.size.y, ws = v.ws, ox = v.ox, oy = v.oy;
    var c0 = Math.floor(ox / LOD_CELL), r0 = Math.floor(oy / LOD_CELL);
    var cols = Math.floor((ox + W) / LOD_CELL) - c0 + 1, rows = Math.floor((oy + H) / LOD_CELL) - r0 + 1, nc = cols * rows;
    var buf = layer._lodBuf;
    if (!buf || buf.cell.length < m) buf = layer._lodBuf = {cell: new Int32Array(Math.max(m, 1)), hide: new Uint8Array(Math.max(m, 1))};
    var cell = buf.cell, count = new Uint32Array(nc), sx = new Float64Array(nc), sy = new Float64Array(nc);
    var cats = new Uint32Array(nc * 8), box = new Float64Array(nc * 4), inView = 0, k, ci;
    layers.forEach(function (l) {
      var mx = l._mx, my = l._my, sel = l._sel, code = l._d.cols.code, mine = l === layer;
      for (var k = 0; k < sel.length; k++) {
        var wx = mx[k] * ws, wy = my[k] * ws, x = wx - ox, y = wy - oy;
        if (x < 0 || y < 0 || x >= W || y >= H) { if (mine) cell[k] = -1; continue; }
        var ci = (Math.floor(wx / LOD_CELL) - c0) + (Math.floor(wy / LOD_CELL) - r0) * cols, b = 4 * ci;
        if (mine) cell[k] = ci;
        if (count[ci]++ === 0) { box[b] = box[b + 2] = mx[k]; box[b + 1] = box[b + 3] = my[k]; } else {
          if (mx[k] < box[b]) box[b] = mx[k]; else if (mx[k] > box[b + 2]) box[b + 2] = mx[k];
          if (my[k] < box[b + 1]) box[b + 1] = my[k]; else if (my[k] > box[b + 3]) box[b + 3] = my[k];
        }
        sx[ci] += x;
        sy[ci] += y;
        cats[8 * ci + (code[sel[k]] & 7)]++;
        inView++;
      }
    });
    out.inView = inView;
    if (inView <= LOD_POINTS) return out;
    if (layer === layers[0]) {
      for (ci = 0; ci < nc; ci++) {
        var n = count[ci];
        if (n < LOD_MIN) continue;
        var top = 0, r = Math.min(LOD_CELL / 2 - 6, 9 + 2.4 * Math.log(n));
        for (var c = 1; c < 8; c++) if (cats[8 * ci + c] > cats[8 * ci + top]) top = c;
        // at the mean of its events, kept inside its own cell (3 px of slack): neighbours do not pile up
        var x0 = (c0 + ci % cols) * LOD_CELL - ox, y0 = (r0 + Math.floor(ci / cols)) * LOD_CELL - oy;
        var cx = Math.min(Math.max(sx[ci] / n, x0 + r - 3), x0 + LOD_CELL - r + 3);
        var cy = Math.min(Math.max(sy[ci] / n, y0 + r - 3), y0 + LOD_CELL - r + 3);
        out.clusters.push({x: cx, y: cy, n: n, cat: top, r: r,
          b: [box[4 * ci], box[4 * ci + 1], box[4 * ci + 2], box[4 * ci + 3]]});
      }
    }
    var hide = buf.hide;
    for (k = 0; k < m; k++) hide[k] = cell[k] >= 0 && count[cell[k]] >= LOD_MIN ? 1 : 0;
    out.hide = hide;
    return out;
  }

  /** Redraw every points layer of ``map`` (soon): one was added or taken off, the clusters change. */
  function redrawPoints(map) {
    if (map.__geoRedrawQueued) return;
    map.__geoRedrawQueued = true;
    setTimeout(function () {
      map.__geoRedrawQueued = false;
      (map.__geoPoints || []).forEach(function (l) { l._redraw(); });
    }, 0);
  }

  function countText(n) {
    return n < 1000 ? String(n) : n < 10000 ? (Math.floor(n / 100) / 10) + "k" : Math.round(n / 1000) + "k";
  }

  function lodDraw(ctx, clusters, spec) {
    if (!clusters.length) return;
    ctx.save();
    ctx.font = "600 11px system-ui, sans-serif";
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    clusters.forEach(function (c) {
      ctx.fillStyle = spec.cats[c.cat].colour;
      ctx.globalAlpha = 0.3;
      ctx.beginPath();
      ctx.arc(c.x, c.y, c.r + 4, 0, 2 * Math.PI);
      ctx.fill();
      ctx.globalAlpha = 0.9;
      ctx.beginPath();
      ctx.arc(c.x, c.y, c.r, 0, 2 * Math.PI);
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "#fff";
      ctx.stroke();
      var t = countText(c.n);
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(0,0,0,.6)";
      ctx.strokeText(t, c.x, c.y + 0.5);
      ctx.fillStyle = "#fff";
      ctx.fillText(t, c.x, c.y + 0.5);
    });
    ctx.restore();
  }

  function mercToLatLng(x, y) {
    return L.latLng(Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180 / Math.PI, x * 360 - 180);
  }

  /** A click on a cluster drawn by any points layer of ``layer``'s map: zoom to its events (at least one
   *  level, at most to where points are drawn one by one). True when a cluster was hit (each layer hears
   *  the click: the first one zooms, the others see it handled). */
  function lodClick(layer, e) {
    var map = layer._map;
    if (!map || !e || !e.containerPoint) return false;
    if (e.__geoLod) return true;
    var p = e.containerPoint, best = null, bd = Infinity;
    (map.__geoPoints || []).forEach(function (l) {
      (l._lod ? l._lod.clusters : []).forEach(function (c) {
        var dx = c.x - p.x, dy = c.y - p.y, dd = dx * dx + dy * dy;
        if (dd <= (c.r + 2) * (c.r + 2) && dd < bd) { bd = dd; best = c; }
      });
    });
    if (!best) return false;
    e.__geoLod = true;
    var bounds = L.latLngBounds(mercToLatLng(best.b[0], best.b[3]), mercToLatLng(best.b[2], best.b[1]));
    var z = map.getZoom(), fit = map.getBoundsZoom(bounds.pad(0.15));
    var target = Math.min(map.getMaxZoom(), Math.max(z + 1, Math.min(fit, LOD_MAX_ZOOM)));
    map.setView(bounds.getCenter(), target);
    return true;
  }

  // ---------------------------------------------------------------- identify: every event and unit at a click
  // A click lists every event drawn within the click tolerance, and every event sharing the nearest one's
  // coordinates (co-located events are fanned out on screen), over every points layer on the map, in one
  // popup with a pager and a compact list; then the admin units containing the point, the finest first
  // (raion before oblast; a tie goes to the smaller area). The event or unit shown is highlighted (a halo
  // ring, a unit outline) and reported to streamlit-folium (``last_object_clicked_tooltip``), so that the
  // app lists it below the map and marks it in the events table. A row chosen in that table comes back
  // as ``GeoRender.selection`` and is highlighted the same way.

  var IDENTIFY_CSS = [
    ".geo-id .geo-id-head{font-size:13px;margin:0 0 3px}",
    ".geo-id-nav{display:flex;align-items:center;gap:6px;margin:0 0 4px}",
    ".geo-id-nav button{font:13px/1 system-ui,sans-serif;padding:1px 7px;cursor:pointer;border:1px solid #aaa;",
    "border-radius:3px;background:#f4f4f4}.geo-id-nav button:hover{background:#e4e4e4}",
    ".geo-id-nav span{min-width:52px;text-align:center;font-weight:600}",
    ".geo-id-list{list-style:none;margin:0 0 6px;padding:0;max-height:92px;overflow:auto;border-top:1px solid #ddd;",
    "border-bottom:1px solid #ddd}",
    ".geo-id-list li{cursor:pointer;padding:1px 3px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}",
    ".geo-id-list li:hover{background:#eef3f8}.geo-id-list li.geo-cur{background:#fff3b0;font-weight:600}",
    ".geo-id-dot{display:inline-block;width:8px;height:8px;border-radius:50%;margin-right:5px;vertical-align:0}",
    ".geo-id-area{display:inline-block;width:9px;height:7px;border:1px dashed #555;margin-right:5px}",
    ".geo-id-back{cursor:pointer;color:#0b62a4;margin-bottom:3px}",
    ".geo-id-units li[role=button]{cursor:pointer}.geo-id-units li[role=button]:hover{background:#eef3f8}",
    ".geo-popup tr.geo-flag td{color:#8a4b00}",
    ".geo-id-also{margin-top:5px;padding-top:4px;border-top:1px solid #ddd;color:#444;font-size:11px}",
    ".geo-id-link{color:#0b62a4;cursor:pointer;text-decoration:underline dotted}",
    ".geo-halo{border-radius:50%;border:3px solid #ffd400;box-shadow:0 0 0 2px rgba(0,0,0,.75),",
    "0 0 10px 3px rgba(255,212,0,.7);box-sizing:border-box;pointer-events:none}",
  ].join("");

  function ensureIdentifyStyle() {
    if (document.getElementById("geo-identify-style")) return;
    var s = document.createElement("style");
    s.id = "geo-identify-style";
    s.appendChild(document.createTextNode(IDENTIFY_CSS));
    document.head.appendChild(s);
  }

  var UNIT_RANK = {raion: 0, oblast: 1, country: 2};

  /** What identify needs of an admin unit drawn as ``shape``: its extent, finest-first rank and area. */
  function unitEntry(u, shape) {
    var e = {u: u, shape: shape, rank: UNIT_RANK[u.lvl] === undefined ? 3 : UNIT_RANK[u.lvl]};
    if (u.latlngs) {
      var s = 90, w = 180, n = -90, ea = -180, area = 0;
      u.latlngs.forEach(function (poly) {
        poly.forEach(function (ring, r) {
          var a = 0;
          for (var j = 0, m = ring.length, q = m - 1; j < m; q = j++) {
            var p = ring[j], o = ring[q];
            if (p[0] < s) s = p[0]; if (p[0] > n) n = p[0]; if (p[1] < w) w = p[1]; if (p[1] > ea) ea = p[1];
            a += (o[1] - p[1]) * (o[0] + p[0]) * Math.cos(p[0] * Math.PI / 180);
          }
          area += (r === 0 ? 1 : -1) * Math.abs(a / 2);
        });
      });
      e.bbox = [s, w, n, ea];
      e.area = area;
    } else {
      var dl = u.r / 111320;
      e.bbox = [u.c[0] - dl, u.c[1] - dl / Math.max(Math.cos(u.c[0] * Math.PI / 180), 0.05), u.c[0] + dl,
        u.c[1] + dl / Math.max(Math.cos(u.c[0] * Math.PI / 180), 0.05)];
      e.area = Math.PI * dl * dl;
    }
    return e;
  }

  /** Whether the unit of ``entry`` contains ``ll`` (even-odd over the rings of each polygon). */
  function unitContains(entry, ll) {
    var b = entry.bbox, lat = ll.lat, lng = ll.lng;
    if (lat < b[0] || lat > b[2] || lng < b[1] || lng > b[3]) return false;
    var u = entry.u;
    if (!u.latlngs) return L.latLng(u.c).distanceTo(ll) <= u.r;
    return u.latlngs.some(function (poly) {
      var inside = false;
      poly.forEach(function (ring) {
        for (var j = 0, m = ring.length, q = m - 1; j < m; q = j++) {
          var a = ring[j], c = ring[q];
          if ((a[0] > lat) !== (c[0] > lat) && lng < (c[1] - a[1]) * (lat - a[0]) / (c[0] - a[0]) + a[1]) inside = !inside;
        }
      });
      return inside;
    });
  }

  /** The drawn events of points ``layer`` within the click tolerance of container point ``pt``:
   *  [{layer, k, i, dd}] (``k`` into the layer's drawn events, ``i`` into its data, ``dd`` squared px). */
  function layerHits(layer, pt) {
    var out = [];
    if (!layer._map || !layer._d || layer._d.mode !== "points" || !layer._sel) return out;
    var v = layer._view(), sp = layer._spacing(v.z), lim = layer._radius(v.z) * 1.7 + 3;
    if (layer._symbolic) lim = Math.max(lim, layer._symbolSize(v.z) * 0.75);  // deployments: APP-6 symbols
    // points drawn inside a level-of-detail cluster are not on screen: the cluster answers for them
    var hide = layer._lod ? layer._lod.hide : null;
    lim *= lim;
    for (var k = 0; k < layer._sel.length; k++) {
      if (hide && hide[k]) continue;
      var dx = layer._mx[k] * v.ws - v.ox + layer._ox[k] * sp - pt.x, dy = layer._my[k] * v.ws - v.oy + layer._oy[k] * sp - pt.y;
      var dd = dx * dx + dy * dy;
      if (dd < lim) out.push({layer: layer, k: k, i: layer._sel[k], dd: dd});
    }
    return out;
  }

  /** The drawn events of ``layer`` drawn at coordinates (``lat``, ``lon``: integers at the payload's scale;
   *  an event's own point, or its unit's label point), as indexes ``k``; the index is built once per
   *  selection of drawn events. */
  function colocated(layer, lat, lon) {
    var spot = function (a, b) { return (a + 9000000) * 40000000 + (b + 18000000); };  // exact below 2^53
    if (layer.__coFor !== layer._sel) {
      var idx = new Map(), a = layer._all;
      for (var k = 0; k < layer._sel.length; k++) {
        var i = layer._sel[k], key = spot(a.dlat[i], a.dlon[i]), at = idx.get(key);
        if (at === undefined) idx.set(key, k); else if (typeof at === "number") idx.set(key, [at, k]); else at.push(k);
      }
      layer.__co = idx;
      layer.__coFor = layer._sel;
    }
    var found = layer.__co.get(spot(lat, lon));
    return found === undefined ? [] : typeof found === "number" ? [found] : found;
  }

  /** Every event at the click: those drawn within the tolerance and those sharing the nearest one's
   *  coordinates, over the points layers of ``map``; the nearest first, then the newest first. */
  function eventsAt(map, pt) {
    var hits = [], seen = {}, best = null;
    var layers = (map.__geoPoints || []).filter(function (l) { return l._d && l._d.mode === "points" && l._sel; });
    layers.forEach(function (layer) {
      layerHits(layer, pt).forEach(function (h) {
        hits.push(h);
        seen[layer._id + ":" + h.k] = true;
        if (!best || h.dd < best.dd) best = h;
      });
    });
    if (!best) return [];
    var ba = best.layer._all, lat = ba.dlat[best.i], lon = ba.dlon[best.i];
    layers.forEach(function (layer) {
      colocated(layer, lat, lon).forEach(function (k) {
        if (seen[layer._id + ":" + k]) return;
        seen[layer._id + ":" + k] = true;
        hits.push({layer: layer, k: k, i: layer._sel[k], dd: Infinity});
      });
    });
    var day = function (h) { var d0 = h.layer._d.cols.d0[h.i]; return d0 === 65535 ? -1 : d0; };
    hits.sort(function (a, b) {
      if (a === best || b === best) return a === best ? -1 : 1;
      return day(b) - day(a) || a.i - b.i;
    });
    return hits;
  }

  /** The admin units of the points layers of ``map`` containing ``latlng``, one entry per place (the
   *  events' and the deployments' unit of one raion together): [{units: [{u, layer}], rank, area}], the
   *  finest first (raion, then oblast; a tie goes to the smaller area). */
  function placesAt(map, latlng) {
    var places = {}, list = [];
    (map.__geoPoints || []).forEach(function (layer) {
      if (!layer._map || !layer._unitIndex || !layer._units || !layer._map.hasLayer(layer._units)) return;
      layer._unitIndex.forEach(function (entry) {
        // a unit playback hides on the day shown is not there to click
        var day = layer._unitDay;  // playback: the units with an event on the day shown
        if (!layer._units.hasLayer(entry.shape) || (day && !(day[entry.u.k] > 0)) || !unitContains(entry, latlng)) return;
        var u = entry.u, key = u.lvl + "|" + u.name + "|" + (u.local || "") + "|" + (u.id || "");
        if (!places[key]) {
          places[key] = {units: [], rank: entry.rank, area: entry.area};
          list.push(places[key]);
        }
        places[key].units.push({u: u, layer: layer, entry: entry});
      });
    });
    list.sort(function (a, b) { return a.rank - b.rank || a.area - b.area; });
    return list;
  }

  /** The popup of a grid cell (aggregated mode). */
  function cellPopup(layer, i) {
    var d = layer._d, spec = layer._spec;
    var lon = d.raw.x0 + (d.cols.cx[i] + 0.5) * d.raw.cell, lat = d.raw.y0 + (d.cols.cy[i] + 0.5) * d.raw.cell;
    var content = el("div", "geo-popup");
    content.appendChild(el("h4", null, d.cols.count[i] + " events in this cell"));
    var table = el("table");
    row(table, "Cell", d.raw.cell + "\u00B0 \u00D7 " + d.raw.cell + "\u00B0 around " + lat.toFixed(3) + ", " + lon.toFixed(3));
    row(table, "Mostly", spec.cats[d.cols.cat[i]].label);
    content.appendChild(table);
    content.appendChild(el("div", "geo-note", "Too many events in the window to draw each one: narrow the filters to see points."));
    return {latlng: L.latLng(lat, lon), content: content};
  }

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  /** Where event ``i`` of ``layer`` is drawn: its point, or its unit's label point. */
  function eventLatLng(layer, i) {
    var a = layer._all, scale = layer._d.raw.scale;
    return L.latLng(a.dlat[i] / scale, a.dlon[i] / scale);
  }

  /** Identify at a map click ``e``: the cell (aggregated mode), else every event and unit at the point. */
  function identifyAt(map, e) {
    var pt = e.containerPoint, layers = map.__geoPoints || [];
    if (root.GeoUnits && root.GeoUnits.openAt && root.GeoUnits.openAt(map, pt)) return;  // unit symbols lie on top
    for (var c = 0; c < layers.length; c++) {
      var layer = layers[c];
      if (!layer._d || layer._d.mode !== "cells") continue;
      var i = layer._pick(pt);
      if (i < 0) continue;
      var cell = cellPopup(layer, i);
      closeHover(map);
      L.popup({maxWidth: 320}).setLatLng(cell.latlng).setContent(cell.content).openOn(map);
      layer.fire("click", {latlng: cell.latlng, index: i}, true);
      return;
    }
    var events = eventsAt(map, pt), places = placesAt(map, e.latlng);
    if (!events.length && !places.length) { setSelected(map, null); return; }
    closeHover(map);
    var toPlaces = function () {
      openIdentify(map, places.map(function (p) { return {place: p}; }), e.latlng, 0, e.latlng, null);
    };
    if (events.length) {  // points drawn over a unit win; the units around them are one click away
      openIdentify(map, events.map(function (h) { return {ev: h}; }), eventLatLng(events[0].layer, events[0].i),
        events.length, e.latlng, places.length ? {places: places, open: toPlaces} : null);
    } else {
      toPlaces();
    }
  }

  /** The identify popup over ``entries`` ({ev} or {place}), ``nEv`` of them events; the pager (and the
   *  list) move between them; the entry shown is the selection. ``opts``: {start: the entry shown first,
   *  head: the heading, popup: more Leaflet popup options}. */
  function openIdentify(map, entries, latlng, nEv, clicked, also, opts) {
    ensureIdentifyStyle();
    opts = opts || {};
    var n = entries.length, nPl = n - nEv, cur = 0;
    var box = el("div", "geo-popup geo-id"), label = null, items = [];
    var popup = L.popup(Object.assign({maxWidth: 340, minWidth: 250, autoPanPaddingTopLeft: [20, 60],
      className: "geo-id-popup"}, opts.popup || {}));
    if (n > 1) {
      var head = opts.head || (nEv ? plural(nEv, "event") + " at this spot" + (nPl ? " \u00B7 " + plural(nPl, "area") + " around it" : "")
        : plural(nPl, "area") + " contain this point");
      box.appendChild(el("h4", "geo-id-head", head));
      var nav = el("div", "geo-id-nav"), prev = el("button", null, "\u2039"), next = el("button", null, "\u203A");
      prev.type = next.type = "button";
      prev.title = "Previous (\u2190)";
      next.title = "Next (\u2192)";
      label = el("span", "geo-id-count");
      prev.addEventListener("click", function () { show(cur - 1); });
      next.addEventListener("click", function () { show(cur + 1); });
      nav.appendChild(prev);
      nav.appendChild(label);
      nav.appendChild(next);
      box.appendChild(nav);
      var list = el("ol", "geo-id-list");
      entries.forEach(function (entry, k) {
        var li = el("li");
        if (entry.ev) {
          var d = entry.ev.layer._d, s = eventSummary(d, entry.ev.layer._spec, entry.ev.i);
          var dot = el("span", "geo-id-dot");
          dot.style.background = s.cat.colour;
          li.appendChild(dot);
          li.appendChild(document.createTextNode(s.when + " \u00B7 " + (text(d, "title", entry.ev.i) || s.cat.label)));
        } else {
          var u = entry.place.units[0].u;
          li.appendChild(el("span", "geo-id-area"));
          li.appendChild(document.createTextNode(u.name + " (" + u.lvl + "): " + plural(placeCount(entry.place), "event") + " known only to it"));
        }
        li.addEventListener("click", function () { show(k); });
        items.push(li);
        list.appendChild(li);
      });
      box.appendChild(list);
      box.addEventListener("keydown", function (ev) {
        if (ev.key !== "ArrowLeft" && ev.key !== "ArrowRight") return;
        ev.stopPropagation();
        ev.preventDefault();
        show(cur + (ev.key === "ArrowLeft" ? -1 : 1));
      });
    }
    var body = el("div", "geo-id-body");
    box.appendChild(body);
    if (also) {  // the admin units around the events: a line that opens them
      var line = el("div", "geo-id-also");
      line.appendChild(document.createTextNode("Also here, known only to an area: "));
      also.places.forEach(function (p, k) {
        var u = p.units[0].u, a = el("span", "geo-id-link", u.name + " (" + plural(placeCount(p), "event") + ")");
        a.setAttribute("role", "button");
        a.tabIndex = 0;
        a.title = "List the events known only to this " + u.lvl;
        a.addEventListener("click", also.open);
        a.addEventListener("keydown", function (ev) { if (ev.key === "Enter") also.open(); });
        if (k) line.appendChild(document.createTextNode(", "));
        line.appendChild(a);
      });
      box.appendChild(line);
    }

    function fill(node) {
      while (body.firstChild) body.removeChild(body.firstChild);
      body.appendChild(node);
      if (popup.isOpen && popup.isOpen()) popup.update();
    }

    function show(k) {
      cur = ((k % n) + n) % n;
      if (label) label.textContent = (cur + 1) + " of " + n;
      items.forEach(function (li, j) { li.classList.toggle("geo-cur", j === cur); });
      if (items[cur] && items[cur].scrollIntoView && items[cur].parentNode.scrollHeight > items[cur].parentNode.clientHeight) {
        items[cur].parentNode.scrollTop = items[cur].offsetTop - items[cur].parentNode.offsetTop - 20;
      }
      var entry = entries[cur];
      if (entry.ev) {
        var h = entry.ev;
        fill(eventPopup(h.layer._d, h.layer._spec, h.i));
        setSelected(map, {data: h.layer._spec.data, i: h.i, id: text(h.layer._d, "id", h.i)});
        report(h.layer, h.at || eventLatLng(h.layer, h.i), {ids: eventIds(entries), current: text(h.layer._d, "id", h.i)});
      } else {
        showPlace(entry.place);
      }
    }

    function showPlace(place) {
      var first = place.units[0], d = first.layer._d, spec = first.layer._spec, cats = {};
      place.units.forEach(function (x) { Object.keys(x.layer._cats).forEach(function (c) { cats[c] = x.layer._cats[c]; }); });
      var units = place.units.map(function (x) { return x.u; });
      fill(unitPopup(d, spec, units, cats, function (i) {
        var back = el("div", "geo-id-back", "\u2039 back to " + first.u.name);
        back.setAttribute("role", "button");
        back.tabIndex = 0;
        back.addEventListener("click", function () { showPlace(place); });
        var card = el("div");
        card.appendChild(back);
        card.appendChild(eventPopup(d, spec, i));
        fill(card);
        report(first.layer, clicked, {ids: placeIds(place), current: text(d, "id", i), unit: unitRef(first.u)});
      }));
      setSelected(map, {place: placeKey(place)});
      report(first.layer, clicked, {ids: placeIds(place), current: null, unit: unitRef(first.u)});
    }

    popup.setLatLng(latlng).setContent(box).openOn(map);
    show(opts.start || 0);
  }

  function placeKey(place) {
    var u = place.units[0].u;
    return {lvl: u.lvl, name: u.name, local: u.local || "", id: u.id || ""};
  }

  function unitRef(u) { return {level: u.lvl === "raion" ? 2 : u.lvl === "oblast" ? 1 : 0, id: u.id || null, name: u.name}; }

  function placeCount(place) { return place.units.reduce(function (n, x) { return n + x.u.n; }, 0); }

  var REPORT_MAX = 200;

  function eventIds(entries) {
    var ids = [];
    entries.forEach(function (e) {
      if (e.ev && ids.length < REPORT_MAX) { var id = text(e.ev.layer._d, "id", e.ev.i); if (id) ids.push(id); }
    });
    return ids;
  }

  function placeIds(place) {
    var keys = {}, ids = [], d = place.units[0].layer._d;
    place.units.forEach(function (x) { keys[x.u.k] = true; });
    if (!d.cols.unit) return ids;
    for (var i = 0; i < d.n && ids.length < REPORT_MAX; i++) {
      if (!keys[d.cols.unit[i]]) continue;
      var id = text(d, "id", i);
      if (id) ids.push(id);
    }
    return ids;
  }

  function escapeHtml(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  /** Tell streamlit-folium what was identified: a click on ``layer`` at ``latlng`` whose "tooltip" is
   *  ``geo-identify:`` + JSON (its ``last_object_clicked_tooltip``; HTML-escaped, as streamlit-folium
   *  reads the tooltip through innerHTML). */
  function report(layer, latlng, what) {
    var content = escapeHtml("geo-identify:" + JSON.stringify(what));
    var target = {_tooltip: {_content: content}, getTooltip: function () { return {getContent: function () { return content; }}; }};
    layer.fire("click", {latlng: latlng, sourceTarget: target}, true);
  }


  // ---- the box of the events known only to a country: no point, no ring on the map (PRECISION_DRAWING
  // "callout"), a list per country in a control at the top right, below the legend (the corner is one
  // column: it never covers the layer control or the legend). Each entry opens that event's card.

  var CALLOUT_CSS = [
    // below the legend, keeping its own height (up to 40 % of the column): the legend's body scrolls first
    ".leaflet-top.leaflet-right>.geo-callout{order:110;flex:0 0 auto;display:flex;flex-direction:column}",
    ".geo-callout{background:rgba(255,255,255,.96);padding:5px 8px;font:11px/1.3 system-ui,sans-serif;color:#222;",
    "min-width:150px;max-width:250px;max-height:40%;overflow:hidden;box-sizing:border-box}",
    ".geo-callout .geo-ch{display:flex;justify-content:space-between;align-items:center;gap:6px;font-weight:600;cursor:pointer}",
    ".geo-callout .geo-cb{overflow:auto;min-height:0;flex:0 1 auto}",
    ".geo-callout .geo-cc{font-weight:600;margin-top:4px}",
    ".geo-callout ul{list-style:none;margin:1px 0 0;padding:0}",
    ".geo-callout li{padding:1px 3px;border-radius:2px}",
    ".geo-callout li[role=button]{cursor:pointer}.geo-callout li[role=button]:hover{background:#eef3f8}",
    ".geo-callout li.geo-cur{background:#fff3b0;font-weight:600}",
    ".geo-callout .geo-cn{color:#555;margin-top:2px}",
    ".geo-callout.geo-collapsed .geo-cb{display:none}",
    ".geo-callout-popup .leaflet-popup-tip-container{display:none}",
  ].join("");
  var CALLOUT_KEY = "geo-render:callout-collapsed", CALLOUT_LINES = 12;

  function calloutState(map) {
    if (map.__geoCallout) return map.__geoCallout;
    var st = {ctl: L.control({position: "topright"}), box: null, body: null, head: null, entries: []};
    st.ctl.onAdd = function () {
      if (!document.getElementById("geo-callout-style")) {
        var style = document.createElement("style");
        style.id = "geo-callout-style";
        style.appendChild(document.createTextNode(CALLOUT_CSS));
        document.head.appendChild(style);
      }
      var box = L.DomUtil.create("div", "geo-callout leaflet-control leaflet-bar");
      box.setAttribute("role", "region");
      var head = el("div", "geo-ch"), title = el("span");
      head.appendChild(title);
      collapsible(box, head, "Show or hide the list", CALLOUT_KEY, stored(CALLOUT_KEY) === "1");
      st.body = el("div", "geo-cb");
      box.appendChild(head);
      box.appendChild(st.body);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      st.box = box;
      st.title = title;
      return box;
    };
    map.__geoCallout = st;
    return st;
  }

  /** The countries and their events known only to them, over the points layers of ``map``: [{name, id, n,
   *  items: [{layer, i}] (points mode, oldest first; aggregated: none, only the count)}], most events first. */
  function calloutGroups(map) {
    var byKey = {}, list = [];
    var group = function (u) {
      var key = u ? u.lvl + "|" + (u.id || "") + "|" + u.name : "?";
      if (!byKey[key]) list.push(byKey[key] = {name: u ? u.name : "Country unknown", id: u ? u.id || null : null, n: 0, items: []});
      return byKey[key];
    };
    (map.__geoPoints || []).forEach(function (layer) {
      var d = layer._d;
      if (!layer._map || !d) return;
      if (d.mode === "points") {
        (layer._call || []).forEach(function (i) {
          var g = group(d.cols.unit && d.cols.unit[i] !== 65535 ? d.units[d.cols.unit[i]] : null);
          g.items.push({layer: layer, i: i});
          g.n++;
        });
      } else {
        (d.units || []).forEach(function (u) { if (u.draw === "callout" && layer._cats && layer._cats[u.cat]) group(u).n += u.n; });
      }
    });
    list.forEach(function (g) {
      g.items.sort(function (a, b) {
        var da = a.layer._d.cols.d0[a.i], db = b.layer._d.cols.d0[b.i];
        return da - db || a.i - b.i;
      });
    });
    list.sort(function (a, b) { return b.n - a.n || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0); });
    return list;
  }

  /** Bring the box of ``map`` up to date (soon: every layer's selection settles first). */
  function calloutRender(map) {
    if (map.__geoCalloutQueued) return;
    map.__geoCalloutQueued = true;
    setTimeout(function () { map.__geoCalloutQueued = false; calloutDraw(map); }, 0);
  }

  function calloutDraw(map) {
    var st = calloutState(map), groups = calloutGroups(map), total = 0, spec = null;
    (map.__geoPoints || []).forEach(function (l) { if (!spec && l._map) spec = l._spec; });
    groups.forEach(function (g) { total += g.n; });
    if (!groups.length) {
      if (st.ctl._map) st.ctl.remove();
      st.entries = [];
      return;
    }
    if (!st.ctl._map) st.ctl.addTo(map);
    st.title.textContent = ((spec && spec.callout_title) || "Known only to the country") + " (" + total + ")";
    while (st.body.firstChild) st.body.removeChild(st.body.firstChild);
    st.entries = [];
    groups.forEach(function (g) {
      st.body.appendChild(el("div", "geo-cc", g.name + (g.id && g.id !== g.name ? " (" + g.id + ")" : "") + ": " + plural(g.n, "event")));
      if (!g.items.length) {
        st.body.appendChild(el("div", "geo-cn", "Too many events in the window to list them here: see the table below the map."));
        return;
      }
      var list = el("ul");
      g.items.slice(0, CALLOUT_LINES).forEach(function (it, k) {
        var d = it.layer._d, s = eventSummary(d, it.layer._spec, it.i);
        var li = el("li", null, s.when + " \u00B7 " + (text(d, "title", it.i) || s.cat.label) + " (" + s.ver.label + ")");
        li.setAttribute("role", "button");
        li.tabIndex = 0;
        li.title = "Open this event";
        var open = function () { calloutOpen(map, g, k, li); };
        li.addEventListener("click", open);
        li.addEventListener("keydown", function (e) { if (e.key === "Enter") open(); });
        st.entries.push({li: li, layer: it.layer, i: it.i});
        list.appendChild(li);
      });
      st.body.appendChild(list);
      if (g.n > CALLOUT_LINES) st.body.appendChild(el("div", "geo-cn", (g.n - CALLOUT_LINES) + " more: see the table below the map."));
    });
    calloutMark(map);
  }

  /** Open the identify card of entry ``k`` of country ``g`` (the pager goes through the country's events),
   *  beside the box: the event has no place on the map to point at. */
  function calloutOpen(map, g, k, li) {
    var frame = map.getContainer().getBoundingClientRect(), r = li.getBoundingClientRect();
    var boxLeft = map.__geoCallout.box.getBoundingClientRect().left;
    var size = map.getSize();
    var x = Math.max(20, boxLeft - frame.left - 185), y = Math.min(size.y - 30, r.top - frame.top + 160);
    var at = map.containerPointToLatLng([x, y]);
    var entries = g.items.map(function (it) { return {ev: {layer: it.layer, i: it.i, k: -1, dd: 0, at: at}}; });
    closeHover(map);
    openIdentify(map, entries, at, entries.length, at, null, {start: k,
      head: g.name + ": " + plural(g.n, "event") + " known only to the country",
      popup: {className: "geo-id-popup geo-callout-popup"}});
  }

  /** Mark the box's entry of the event selected on ``map`` (an event known only to a country). */
  function calloutMark(map) {
    var st = map.__geoCallout, sel = map.__geoSelect && map.__geoSelect.callout;
    if (!st) return;
    st.entries.forEach(function (e) {
      var on = !!(sel && sel.layer === e.layer && sel.i === e.i);
      e.li.classList.toggle("geo-cur", on);
      if (on && st.body && st.body.scrollHeight > st.body.clientHeight) st.body.scrollTop = e.li.offsetTop - st.body.offsetTop - 20;
    });
  }

  /** The box of events known only to a country on ``map`` (for tests): null, or {title, countries: [{name,
   *  n, items: [entry texts]}]}. */
  G.callout = function (map) {
    var st = map && map.__geoCallout;
    if (!st || !st.ctl._map) return null;
    var out = {title: st.title.textContent, countries: []};
    calloutGroups(map).forEach(function (g) {
      out.countries.push({name: g.name, id: g.id, n: g.n, items: g.items.slice(0, CALLOUT_LINES).map(function (it) {
        var d = it.layer._d, s = eventSummary(d, it.layer._spec, it.i);
        return s.when + " \u00B7 " + (text(d, "title", it.i) || s.cat.label) + " (" + s.ver.label + ")";
      })});
    });
    return out;
  };

  // ---- hover: the event (and how many more are at its spot) or the finest unit under the cursor

  function closeHover(map) {
    if (map.__geoTip) map.closeTooltip(map.__geoTip);
  }

  function hoverAt(map, ev, layer) {
    var lines = null, pointer = false, events = eventsAt(map, ev.containerPoint);
    var unit = root.GeoUnits && root.GeoUnits.hoverLines ? root.GeoUnits.hoverLines(map, ev.containerPoint) : null;
    if (unit) {  // unit symbols lie on top of the events
      lines = unit;
    } else if (events.length) {
      var h = events[0], d = h.layer._d, s = eventSummary(d, h.layer._spec, h.i), t = text(d, "title", h.i);
      lines = [t || s.cat.label, s.when + " \u00B7 " + s.ver.label + " \u00B7 " + s.prec.label];
      if (events.length > 1) lines.push(events.length + " events here: click to list them");
    } else if ((map.__geoPoints || []).some(function (l) { return l._d && l._d.mode === "cells" && l._pick(ev.containerPoint) >= 0; })) {
      pointer = true;
    } else {
      var places = placesAt(map, ev.latlng);
      if (places.length) {
        var u = places[0].units[0].u, n = placeCount(places[0]);
        lines = [u.name + (u.local && u.local !== u.name ? " / " + u.local : ""),
          plural(n, "event") + " located only to this " + u.lvl];
        if (places.length > 1) {
          lines.push("within " + places.slice(1).map(function (p) { return p.units[0].u.name + " (" + plural(placeCount(p), "event") + ")"; }).join(", "));
        }
      }
    }
    map.getContainer().style.cursor = lines || pointer ? "pointer" : "";
    // no hover box over an open popup (it would cover the list the analyst is reading)
    if (!lines || (map._popup && map.hasLayer(map._popup))) { closeHover(map); return; }
    if (!map.__geoTip) {
      map.__geoTip = L.tooltip({direction: "top", offset: [0, -8]});
      map.on("mouseout", function () { closeHover(map); });
      map.on("layerremove", function (e) { if (e.layer && e.layer._spec) closeHover(map); });  // a layer unticked
    }
    map.__geoTip.setLatLng(ev.latlng).setContent(tipContent(lines));
    map.openTooltip(map.__geoTip);
  }

  // ---- the selection: a halo on the selected event, an outline on the selected unit

  var SELECT_PANE = "geoSelect";

  function selectState(map) {
    if (map.__geoSelect) return map.__geoSelect;
    var st = {sel: null, marks: null, queued: false};
    map.__geoSelect = st;
    if (!map.getPane(SELECT_PANE)) {
      var p = map.createPane(SELECT_PANE);
      p.style.zIndex = 460;  // above the points (450), below tooltips and popups
      p.style.pointerEvents = "none";
    }
    var later = function () {
      if (st.queued) return;
      st.queued = true;
      L.Util.requestAnimFrame(function () { st.queued = false; drawSelected(map); });
    };
    // the halo follows the zoom (the fan of co-located events widens) and the layers streamlit-folium
    // swaps in (the selected event is found again in the new data)
    map.on("zoomend viewreset layeradd layerremove", function (e) {
      if (e.type === "layeradd" || e.type === "layerremove") {
        if (!e.layer || e.layer === st.marks || (st.marks && st.marks.hasLayer && st.marks.hasLayer(e.layer))) return;
        if (!e.layer._spec && !(e.layer instanceof L.LayerGroup)) return;
      }
      later();
    });
    return st;
  }

  /** Select ``sel`` on ``map`` (null: none): {data, i} (an event of a payload), {id} (an event id), {lat,
   *  lon} (stored coordinates), or {place: {lvl, name, local, id}} (an admin unit). */
  function setSelected(map, sel) {
    var st = selectState(map);
    st.sel = sel;
    drawSelected(map);
  }

  /** Index of the selected event in the data ``d`` of ``layer``, or -1. */
  function selectedIndex(layer, sel) {
    var d = layer._d, i;
    if (sel.data && sel.data === layer._spec.data && sel.i >= 0 && sel.i < d.n) return sel.i;
    if (sel.id && d.raw.texts && d.raw.texts.id) {
      if (d.__idFor !== sel.id) {
        d.__idFor = sel.id;
        d.__idAt = -1;
        for (i = 0; i < d.n; i++) if (text(d, "id", i) === sel.id) { d.__idAt = i; break; }
      }
      if (d.__idAt >= 0) return d.__idAt;
    }
    if (sel.lat !== undefined && sel.lat !== null && sel.lon !== undefined && sel.lon !== null) {
      for (i = 0; i < d.n; i++) if (d.cols.lat[i] === sel.lat && d.cols.lon[i] === sel.lon) return i;
    }
    return -1;
  }

  /** Position ``k`` of data index ``i`` among the drawn events of ``layer``, or -1. */
  function drawnIndex(layer, i) {
    if (layer.__invFor !== layer._sel) {
      var inv = new Int32Array(layer._d.n).fill(-1);
      for (var k = 0; k < layer._sel.length; k++) inv[layer._sel[k]] = k;
      layer.__inv = inv;
      layer.__invFor = layer._sel;
    }
    return layer.__inv[i];
  }

  function outline(group, u) {
    var casing = {pane: SELECT_PANE, color: "#1a1a1a", weight: 7, opacity: 0.5, fill: false, interactive: false};
    var line = {pane: SELECT_PANE, color: "#ffd400", weight: 3.5, opacity: 1, fill: false, interactive: false};
    [casing, line].forEach(function (style) {
      group.addLayer(u.latlngs ? L.polygon(u.latlngs, style) : L.circle(u.c, Object.assign({radius: u.r}, style)));
    });
  }

  function drawSelected(map) {
    var st = selectState(map), sel = st.sel;
    if (st.marks) { map.removeLayer(st.marks); st.marks = null; }
    if (!sel || !map._loaded) return;
    ensureIdentifyStyle();
    var marks = L.layerGroup(), found = false;
    st.callout = null;
    var layers = (map.__geoPoints || []).filter(function (l) { return l._map && l._d && l._sel; });
    if (sel.place) {
      layers.forEach(function (layer) {
        (layer._unitIndex || []).forEach(function (entry) {
          var u = entry.u;
          if (u.lvl === sel.place.lvl && u.name === sel.place.name && (u.local || "") === sel.place.local &&
              (u.id || "") === sel.place.id) { outline(marks, u); found = true; }
        });
      });
    } else {
      var done = false;
      layers.forEach(function (layer) {
        if (done || layer._d.mode !== "points") return;
        var i = selectedIndex(layer, sel);
        if (i < 0) return;
        var k = drawnIndex(layer, i);
        if (k >= 0) {
          var z = map.getZoom(), sp = layer._spacing(z), d = layer._d;
          var dep = layer._spec.cats[d.cols.code[i] & 7].name === "deployment";
          var r = layer._radius(z) * (dep ? 1.7 : 1) + 7, size = Math.round(2 * r);
          var icon = L.divIcon({className: "geo-halo", iconSize: [size, size],
            iconAnchor: [size / 2 - layer._ox[k] * sp, size / 2 - layer._oy[k] * sp]});
          marks.addLayer(L.marker(eventLatLng(layer, i), {icon: icon, pane: SELECT_PANE, interactive: false, keyboard: false}));
          found = done = true;
        } else if (layer._call && layer._call.indexOf(i) >= 0) {  // known only to a country: its entry in the box
          st.callout = {layer: layer, i: i};
          found = done = true;
        } else if (d.cols.unit && d.cols.unit[i] !== 65535) {  // an event known only to a unit: the unit
          layers.forEach(function (l) {
            (l._unitIndex || []).forEach(function (entry) { if (entry.u.k === d.cols.unit[i]) { outline(marks, entry.u); found = done = true; } });
          });
        }
      });
    }
    calloutMark(map);
    if (!found) return;
    st.marks = marks;
    marks.addTo(map);
  }

  /** The event chosen in the app's events table, handed over with each set of layers: ``spec`` {token,
   *  id, lat, lon} (nothing chosen: id and lat null). Applied once per token, so that a later click on the
   *  map keeps its own selection through the reruns that follow. */
  var appliedSelection = null;

  G.selection = function (spec) {
    var Sel = L.Layer.extend({
      onAdd: function (map) {
        if (!spec || spec.token === appliedSelection) return;
        appliedSelection = spec.token;
        var chosen = spec.id || (spec.lat !== null && spec.lat !== undefined);
        var scale = 1e5;  // geo.render._events.POINT_SCALE
        setSelected(map, chosen ? {id: spec.id || null,
          lat: spec.lat === null || spec.lat === undefined ? null : Math.round(spec.lat * scale),
          lon: spec.lon === null || spec.lon === undefined ? null : Math.round(spec.lon * scale)} : null);
      },
      onRemove: function () {},
    });
    return new Sel();
  };

  /** What is selected on ``map`` (for tests): null, or {events: n halos, units: n outlines, callout: n entries
   *  marked in the box of events known only to a country}. */
  G.selected = function (map) {
    var st = map && map.__geoSelect;
    if (!st || !st.marks) return null;
    var out = {events: 0, units: 0, callout: st.callout ? 1 : 0};
    st.marks.eachLayer(function (l) { if (l instanceof L.Marker) out.events++; else out.units += 0.5; });
    return out;
  };

  // ---------------------------------------------------------------- reference labels: places you can read
  // Countries, oblasts, towns and raions named on one canvas, from the spec geo/render/labels.py writes:
  // the labels in priority order (text, point in 1e-3 degree, class, first zoom; the class gives the look
  // and the last zoom). On every redraw the labels of the zoom are placed greedily in that order: one is
  // drawn only where it overlaps no label placed before it (boxes kept in a grid of screen cells) and lies
  // wholly inside the frame (nothing clipped at the edge) and clear of the map's controls. Each has a white halo (strokeText under
  // fillText); a town has a dot and its name goes right of it, else left, above or below; an area's name
  // is centred on its point, else just above or below it.

  var LABEL_PAD = 2, LABEL_GRID = 64, LABEL_MARGIN = 3, LABEL_HALO = 3;

  function labelsClass(Base) {
    return Base.extend({
      _attach: function (map) {
        if (!map.getPane("geoLabels")) {
          var pane = map.createPane("geoLabels");
          pane.style.zIndex = 445;  // over the boundaries and rings, under the event points
          pane.style.pointerEvents = "none";
        }
        if (!this._mx) this._project();
        this._canvas = L.DomUtil.create("canvas", "geo-labels leaflet-zoom-animated", map.getPane("geoLabels"));
        this._canvas.style.pointerEvents = "none";
        map.on("moveend viewreset resize", this._redraw, this);
        map.on("zoomanim", this._animate, this);
        G._labelLayers.push(this);
        this._redraw();
      },
      _detach: function (map) {
        map.off("moveend viewreset resize", this._redraw, this);
        map.off("zoomanim", this._animate, this);
        var self = this;
        G._labelLayers = G._labelLayers.filter(function (l) { return l !== self; });
        if (this._canvas) L.DomUtil.remove(this._canvas);
        this._canvas = null;
        this._drawn = [];
      },
      _project: function () {
        var s = this._spec, n = s.t.length, scale = s.scale || 1000;
        this._mx = new Float64Array(n);
        this._my = new Float64Array(n);
        this._width = new Float32Array(n).fill(-1);
        for (var i = 0; i < n; i++) {
          var lat = s.y[i] / scale, sn = Math.sin(lat * Math.PI / 180);
          this._mx[i] = (s.x[i] / scale + 180) / 360;
          this._my[i] = 0.5 - Math.log((1 + sn) / (1 - sn)) / (4 * Math.PI);
        }
        this._classes = s.classes.map(function (c) {
          var px = /(\d+(?:\.\d+)?)px/.exec(c.font);
          return Object.assign({}, c, {px: px ? parseFloat(px[1]) : 12});
        });
      },
      _animate: function (e) {
        if (!this._bounds || !this._canvas) return;
        var scale = this._map.getZoomScale(e.zoom);
        var offset = this._map._latLngBoundsToNewLayerBounds(this._bounds, e.zoom, e.center).min;
        L.DomUtil.setTransform(this._canvas, offset, scale);
      },
      _text: function (i) {
        var t = String(this._spec.t[i]);
        return this._classes[this._spec.c[i]].upper ? t.toUpperCase() : t;
      },
      _redraw: function () {
        var map = this._map, cv = this._canvas;
        if (!map || !cv) return;
        var z = map.getZoom(), size = map.getSize(), W = size.x, H = size.y, dpr = root.devicePixelRatio || 1;
        cv.width = Math.round(W * dpr);
        cv.height = Math.round(H * dpr);
        cv.style.width = W + "px";
        cv.style.height = H + "px";
        this._bounds = map.getBounds();
        L.DomUtil.setPosition(cv, map.containerPointToLayerPoint([0, 0]));
        var ctx = cv.getContext("2d");
        ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
        ctx.clearRect(0, 0, W, H);
        var origin = map.project(map.containerPointToLatLng([0, 0]), z), ws = 256 * Math.pow(2, z);
        var zi = Math.floor(z + 1e-9), s = this._spec, n = s.t.length, classes = this._classes;
        var grid = {}, drawn = [], font = null;
        var hits = function (b) {
          for (var gx = Math.floor(b[0] / LABEL_GRID); gx <= Math.floor(b[2] / LABEL_GRID); gx++) {
            for (var gy = Math.floor(b[1] / LABEL_GRID); gy <= Math.floor(b[3] / LABEL_GRID); gy++) {
              var cell = grid[gx + ":" + gy];
              if (!cell) continue;
              for (var k = 0; k < cell.length; k++) {
                var o = cell[k];
                if (b[0] < o[2] && b[2] > o[0] && b[1] < o[3] && b[3] > o[1]) return true;
              }
            }
          }
          return false;
        };
        var keep = function (b) {
          for (var gx = Math.floor(b[0] / LABEL_GRID); gx <= Math.floor(b[2] / LABEL_GRID); gx++) {
            for (var gy = Math.floor(b[1] / LABEL_GRID); gy <= Math.floor(b[3] / LABEL_GRID); gy++) {
              (grid[gx + ":" + gy] = grid[gx + ":" + gy] || []).push(b);
            }
          }
        };
        var inside = function (b) {
          return b[0] >= LABEL_MARGIN && b[1] >= LABEL_MARGIN && b[2] <= W - LABEL_MARGIN && b[3] <= H - LABEL_MARGIN;
        };
        // the map's controls (zoom, layers, legend, playback...) count as placed: no label hides under one
        var frame = map.getContainer().getBoundingClientRect();
        map.getContainer().querySelectorAll(".leaflet-control").forEach(function (c) {
          var r = c.getBoundingClientRect();
          if (r.width && r.height) keep([r.left - frame.left, r.top - frame.top, r.right - frame.left, r.bottom - frame.top]);
        });
        for (var i = 0; i < n; i++) {
          var cls = classes[s.c[i]];
          if (zi < s.z[i] || zi > cls.max) continue;
          var x = this._mx[i] * ws - origin.x, y = this._my[i] * ws - origin.y;
          if (x < -LABEL_MARGIN || y < -LABEL_MARGIN || x > W + LABEL_MARGIN || y > H + LABEL_MARGIN) continue;
          var txt = this._text(i);
          if (font !== cls.font) {
            ctx.font = font = cls.font;
            if ("letterSpacing" in ctx) ctx.letterSpacing = (cls.spacing || 0) + "px";
          }
          if (this._width[i] < 0) this._width[i] = ctx.measureText(txt).width;
          var w = this._width[i], h = cls.px, r = cls.dot || 0, dot = null, spots;
          if (r) {
            dot = [x - r - 1, y - r - 1, x + r + 1, y + r + 1];
            if (!inside(dot) || hits(dot)) continue;
            spots = [[x + r + 3, y - h / 2], [x - r - 3 - w, y - h / 2], [x - w / 2, y - r - 2 - h], [x - w / 2, y + r + 2]];
          } else {
            spots = [[x - w / 2, y - h / 2], [x - w / 2, y - h / 2 - h - 4], [x - w / 2, y - h / 2 + h + 4]];
          }
          for (var q = 0; q < spots.length; q++) {
            var bx = spots[q][0], by = spots[q][1];
            var box = [bx - LABEL_PAD, by - LABEL_PAD, bx + w + LABEL_PAD, by + h + LABEL_PAD];
            if (!inside(box) || hits(box)) continue;
            keep(box);
            if (dot) keep(dot);
            drawn.push({i: i, text: txt, x: bx, y: by, px: x, py: y, cls: cls});
            break;
          }
        }
        this._drawn = drawn;
        ctx.textBaseline = "middle";
        ctx.lineJoin = "round";
        drawn.forEach(function (d) {
          if (!d.cls.dot) return;
          ctx.beginPath();
          ctx.arc(d.px, d.py, d.cls.dot, 0, 2 * Math.PI);
          ctx.fillStyle = d.cls.colour;
          ctx.strokeStyle = "#ffffff";
          ctx.lineWidth = 1.2;
          ctx.fill();
          ctx.stroke();
        });
        drawn.forEach(function (d) {
          ctx.font = d.cls.font;
          if ("letterSpacing" in ctx) ctx.letterSpacing = (d.cls.spacing || 0) + "px";
          ctx.lineWidth = LABEL_HALO;
          ctx.strokeStyle = "rgba(255,255,255,0.92)";
          ctx.strokeText(d.text, d.x, d.y + d.cls.px / 2);
          ctx.fillStyle = d.cls.colour;
          ctx.fillText(d.text, d.x, d.y + d.cls.px / 2);
        });
        if ("letterSpacing" in ctx) ctx.letterSpacing = "0px";
      },
    });
  }

  /** The reference labels drawn now (for tests and diagnostics): [{text, kind, x, y}] in container pixels,
   *  x and y the label's top left. */
  G._labelLayers = [];
  G.labels = function () {
    var out = [];
    G._labelLayers.forEach(function (l) {
      (l._drawn || []).forEach(function (d) { out.push({text: d.text, kind: d.cls.name, x: d.x, y: d.y}); });
    });
    return out;
  };

  root.GeoRender = G;
  if (typeof module !== "undefined" && module.exports) module.exports = G;
})(typeof window !== "undefined" ? window : globalThis);
