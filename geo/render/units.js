/* geo-events unit symbols: APP-6 / MIL-STD-2525 icons drawn by milsymbol (the global `ms`, vendored as
 * geo/render/vendor/milsymbol.js and served with this file by geo/assets.py; never from a CDN).
 *
 *   GeoUnits.icon(sidc, options) -> {svg, url, anchor: {x, y}, width, height, sidc, valid}
 *       `svg`: the symbol's SVG markup; `url`: the same as a data: URL (the map draws it as an image); `anchor`: the pixel of the symbol that sits on the unit's position
 *       (milsymbol's getAnchor(), from the SVG's top left), `width`/`height` in pixels; `sidc`: the code
 *       drawn, the input's, or GeoUnits.UNKNOWN when milsymbol finds the input invalid (`valid` false).
 *       `options` are milsymbol's (size, uniqueDesignation, additionalInformation, ...; size defaults to
 *       GeoUnits.SIZE). One icon is made per (sidc, options): the same call returns the same (frozen) object.
 *   GeoUnits.valid(sidc) -> whether milsymbol can draw `sidc` (its symbol.isValid()); cached per code.
 *
 * milsymbol escapes the text modifiers it writes into the SVG. Loading order does not matter: `ms` is looked
 * up when an icon is first asked for.
 */
(function (root) {
  "use strict";
  if (root.GeoUnits) return;
  var U = {version: "1"};

  /** Drawn instead of an invalid code: unknown affiliation, land unit, no icon (2525D/APP-6D number SIDC). */
  U.UNKNOWN = "10011000000000000000";
  /** milsymbol's `size` (the height of the icon's frame, in pixels) when the options name none. */
  U.SIZE = 30;
  /** Icons kept at most; beyond, the cache starts again (a long session with ever new designations). */
  U.CACHE_MAX = 5000;

  var icons = new Map();
  var validity = new Map();

  function lib() {
    var ms = root.ms;
    if (!ms || typeof ms.Symbol !== "function") {
      throw new Error("GeoUnits: milsymbol (the global ms) is not loaded");
    }
    return ms;
  }

  /** The cache key of one option set: its entries sorted by name, so {a, b} and {b, a} are one icon. */
  function optionsKey(options) {
    var keys = Object.keys(options).sort();
    return JSON.stringify(keys.map(function (k) { return [k, options[k]]; }));
  }

  U.valid = function (sidc) {
    var code = String(sidc == null ? "" : sidc).trim();
    if (validity.has(code)) return validity.get(code);
    var ok = false;
    if (code) {
      try {
        ok = new (lib().Symbol)(code).isValid() === true;
      } catch (e) {
        if (!root.ms) throw e; // milsymbol missing: say so, do not draw every unit as unknown
        ok = false; // milsymbol could not parse it at all
      }
    }
    if (validity.size >= U.CACHE_MAX) validity.clear();
    validity.set(code, ok);
    return ok;
  };

  U.icon = function (sidc, options) {
    var code = String(sidc == null ? "" : sidc).trim();
    var opts = {};
    Object.keys(options || {}).forEach(function (k) {
      if (options[k] !== undefined) opts[k] = options[k];
    });
    if (opts.size == null) opts.size = U.SIZE;
    var key = code + "\u0000" + optionsKey(opts);
    var hit = icons.get(key);
    if (hit) return hit;
    var ok = U.valid(code);
    var symbol = new (lib().Symbol)(ok ? code : U.UNKNOWN, opts);
    var anchor = symbol.getAnchor(), size = symbol.getSize();
    var svgText = symbol.asSVG();
    var out = Object.freeze({
      svg: svgText,
      // the same drawing as an image: a map of many units composites images far faster than inline SVG
      url: "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svgText),
      anchor: Object.freeze({x: anchor.x, y: anchor.y}),
      width: size.width,
      height: size.height,
      sidc: ok ? code : U.UNKNOWN,
      valid: ok,
    });
    if (icons.size >= U.CACHE_MAX) icons.clear();
    icons.set(key, out);
    return out;
  };

  /** How many icons are cached (for tests and diagnostics). */
  U.cached = function () { return icons.size; };

  // ---- the map's "units" layer (GeoRender.layer("units", spec)): each unit at its latest reported position
  // as of the window's end, its symbol drawn by milsymbol; faded with an age badge when the report is old;
  // lower echelons hidden when zoomed out (spec.lod: [[below zoom, min rank], ...]); a popup with its history.
  // Every text from data is set with textContent; a source link only for http(s) URLs.

  function node(tag, cls, txt) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (txt !== undefined && txt !== null) e.textContent = String(txt);
    return e;
  }

  function minRank(lod, zoom) {
    for (var i = 0; i < lod.length; i++) if (zoom < lod[i][0]) return lod[i][1];
    return 0;
  }

  function sourceNode(text) {
    var t = String(text || "");
    if (/^https?:\/\//i.test(t)) {
      var a = node("a", null, t.length > 60 ? t.slice(0, 57) + "\u2026" : t);
      a.href = t;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      return a;
    }
    return node("span", null, t);
  }

  /** The popup of unit ``u``: name, age of the report, side/echelon/parent, how its symbol was chosen, its
   *  latest reports (day, place, verification, source). */
  U.popup = function (u, spec) {
    var box = node("div", "geo-unit-pop");
    var head = node("div", "geo-unit-name");
    var icon = U.icon(u.c, {size: 18}), img = node("img", "geo-unit-sym");
    img.src = icon.url;  // a data: URL made here from the code, never text from the data
    img.width = icon.width;
    img.height = icon.height;
    img.alt = "";
    head.appendChild(img);
    head.appendChild(document.createTextNode(u.n));
    box.appendChild(head);
    if (u.desc) box.appendChild(node("div", null, "Symbol: " + u.desc));
    box.appendChild(node("div", "geo-unit-age-line", "Last reported " + u.d + (u.a > 0 ? " (" + u.a + " day" +
      (u.a === 1 ? "" : "s") + " before " + spec.day + ")" : " (the day shown)")));
    var facts = [u.s && ("side " + u.s), u.e && ("echelon " + u.e), u.p && ("parent " + u.p)].filter(Boolean);
    if (facts.length) box.appendChild(node("div", null, facts.join(" \u00b7 ")));
    if (u.note) box.appendChild(node("div", "geo-unit-note", u.note));
    var table = node("table", "geo-unit-hist");
    (u.h || []).forEach(function (h) {
      var tr = node("tr");
      tr.appendChild(node("td", null, h[0]));
      tr.appendChild(node("td", null, h[1].toFixed(3) + ", " + h[2].toFixed(3)));
      tr.appendChild(node("td", null, h[4] || ""));
      var td = node("td");
      td.appendChild(sourceNode(h[3]));
      tr.appendChild(td);
      table.appendChild(tr);
    });
    if ((u.h || []).length) {
      box.appendChild(node("div", "geo-unit-hh", "Reports (latest first)"));
      box.appendChild(table);
    }
    if ((u.ev || []).length) {  // the deployments of the event data that name this unit
      box.appendChild(node("div", "geo-unit-hh", "Deployments naming it" + (u.nev > u.ev.length ? " (" + u.ev.length +
        " latest of " + u.nev + ")" : "")));
      var evs = node("table", "geo-unit-ev");
      u.ev.forEach(function (ev) {
        var tr = node("tr");
        tr.appendChild(node("td", null, ev[0]));
        tr.appendChild(node("td", null, ev[1]));
        tr.appendChild(node("td", null, ev[2]));
        evs.appendChild(tr);
      });
      box.appendChild(evs);
    }
    return box;
  };

  var STYLE = [
    ".geo-units-canvas{pointer-events:none}",
    ".geo-unit-pop{font:12px/1.35 system-ui,sans-serif;max-width:380px}",
    ".geo-unit-hist td:nth-child(-n+3),.geo-unit-ev td:first-child{white-space:nowrap}",
    ".geo-unit-name{font-weight:700;margin-bottom:2px}",
    ".geo-unit-note{color:#8a5a00;font-style:italic}",
    ".geo-unit-hh{font-weight:600;margin-top:4px}",
    ".geo-unit-hist td,.geo-unit-ev td{padding:0 4px 0 0;vertical-align:top}",
    ".geo-unit-sym{vertical-align:middle;margin-right:4px}",
  ].join("");

  function ensureUnitStyle() {
    if (document.getElementById("geo-units-style")) return;
    var st = document.createElement("style");
    st.id = "geo-units-style";
    st.appendChild(document.createTextNode(STYLE));
    document.head.appendChild(st);
  }

  /** The decoded picture of an icon (one per icon), drawn on the canvas once loaded; ``then`` runs when it is. */
  var pictures = new Map();
  function picture(icon, then) {
    var img = pictures.get(icon.url);
    if (!img) {
      img = new Image(icon.width, icon.height);
      img.__waiters = [];
      img.onload = function () { var w = img.__waiters; img.__waiters = []; w.forEach(function (f) { f(); }); };
      img.src = icon.url;
      if (pictures.size >= U.CACHE_MAX) pictures.clear();
      pictures.set(icon.url, img);
    }
    if (!(img.complete && img.naturalWidth) && then) img.__waiters.push(then);
    return img;
  }

  /** The decoded picture of ``icon`` (a ``GeoUnits.icon``) for a canvas: complete once loaded; ``then`` is
   *  called when it loads (redraw then). */
  U.picture = picture;

  /** An arrowhead at (x, y) pointing along (dx, dy). */
  function arrow(ctx, x, y, dx, dy, size) {
    var len = Math.sqrt(dx * dx + dy * dy);
    if (len < size * 2) return;
    var ux = dx / len, uy = dy / len;
    ctx.moveTo(x + ux * size, y + uy * size);
    ctx.lineTo(x - ux * size - uy * size * 0.6, y - uy * size + ux * size * 0.6);
    ctx.lineTo(x - ux * size + uy * size * 0.6, y - uy * size - ux * size * 0.6);
    ctx.closePath();
  }

  var PAD = 0.15;  // the canvas reaches this share of the view beyond each edge (no blank margin while panning)

  /** The units layer's Leaflet class, made on the runtime's ``Base`` layer (legend, show/hide): every unit
   *  on one canvas (a pan moves the canvas, it redraws once the map stops), its symbol milsymbol's icon as a
   *  picture; tracks as dashed lines with an arrow per leg (oldest to latest) and a dot at each earlier report;
   *  a click on a symbol opens the unit's popup, hovering names it. */
  U.layerClass = function (Base) {
    return Base.extend({
      _attach: function (map) {
        ensureUnitStyle();
        if (!map.getPane("geoUnitSymbols")) {
          var pane = map.createPane("geoUnitSymbols");
          pane.style.zIndex = 460;  // over the event points (450), under tooltips (650) and popups (700)
          pane.style.pointerEvents = "none";
        }
        this._canvas = L.DomUtil.create("canvas", "geo-units-canvas leaflet-zoom-animated",
                                        map.getPane("geoUnitSymbols"));
        map.on("moveend viewreset resize", this._redraw, this);
        map.on("zoomanim", this._animate, this);
        map.on("click", this._onClick, this);
        map.on("mousemove", this._onMove, this);
        (map.__geoUnits = map.__geoUnits || []).push(this);
        this._redraw();
      },
      _detach: function (map) {
        map.off("moveend viewreset resize", this._redraw, this);
        map.off("zoomanim", this._animate, this);
        map.off("click", this._onClick, this);
        map.off("mousemove", this._onMove, this);
        var self = this;
        map.__geoUnits = (map.__geoUnits || []).filter(function (l) { return l !== self; });
        L.DomUtil.remove(this._canvas);
        this._canvas = null;
        this._hits = [];
        this._shownUnits = 0;
      },
      _queue: function () {
        var self = this;
        if (this._queued) return;
        this._queued = true;
        L.Util.requestAnimFrame(function () { self._queued = false; self._redraw(); });
      },
      _redraw: function () {
        var map = this._map, cv = this._canvas;
        if (!map || !cv) return;
        var t0 = root.performance ? root.performance.now() : 0;
        var spec = this._spec, size = map.getSize(), dpr = root.devicePixelRatio || 1, self = this;
        var px = Math.round(size.x * PAD), py = Math.round(size.y * PAD), W = size.x + 2 * px, H = size.y + 2 * py;
        var topLeft = map.containerPointToLayerPoint([-px, -py]);
        cv.width = Math.round(W * dpr);
        cv.height = Math.round(H * dpr);
        cv.style.width = W + "px";
        cv.style.height = H + "px";
        L.DomUtil.setPosition(cv, topLeft);
        this._corner = map.containerPointToLatLng([-px, -py]);
        var ctx = cv.getContext("2d");
        ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
        ctx.clearRect(0, 0, W, H);
        var min = minRank(spec.lod, map.getZoom()), kept = [], hidden = 0, waiting = false;
        spec.units.forEach(function (u) {
          if (u.r && u.r < min) { hidden += 1; return; }
          var p = map.latLngToContainerPoint([u.la, u.lo]);
          kept.push({u: u, x: p.x + px, y: p.y + py});
        });
        this._shownUnits = kept.length;
        this._hiddenUnits = hidden;
        if (spec.track) this._drawTracks(ctx, kept, px, py);
        // old reports first (under), then by echelon, so the larger and fresher sit on top
        kept.sort(function (a, b) { return (b.u.a > spec.fade) - (a.u.a > spec.fade) || (a.u.r || 0) - (b.u.r || 0); });
        var hits = [];
        ctx.font = "600 10px system-ui, sans-serif";
        ctx.textBaseline = "top";
        var named = map.getZoom() >= (spec.designation_zoom || 99), reach = spec.size * 8;
        kept.forEach(function (k) {
          if (k.x < -reach || k.y < -reach || k.x > W + reach || k.y > H + reach) return;  // far off the canvas
          // zoomed in, the symbol carries the unit's name (its unique designation, milsymbol escapes it)
          var opts = named && k.u.t ? {size: spec.size, uniqueDesignation: k.u.t, infoSize: spec.designation_size}
            : {size: spec.size};
          var icon = U.icon(k.u.c, opts), x0 = k.x - icon.anchor.x, y0 = k.y - icon.anchor.y;
          if (x0 > W || y0 > H || x0 + icon.width < 0 || y0 + icon.height < 0) return;
          var old = k.u.a > spec.fade, img = picture(icon, function () { self._queue(); });
          if (img.complete && img.naturalWidth) {
            ctx.globalAlpha = old ? 0.45 : 1;
            ctx.drawImage(img, x0, y0, icon.width, icon.height);
            ctx.globalAlpha = 1;
          } else {
            waiting = true;
          }
          if (old) {  // the report's age, beside the symbol
            var label = Number(k.u.a) + " d", tw = ctx.measureText(label).width, bx = x0 + icon.width, by = y0;
            ctx.fillStyle = "rgba(255,255,255,0.9)";
            ctx.fillRect(bx, by, tw + 4, 13);
            ctx.strokeStyle = "#777";
            ctx.lineWidth = 1;
            ctx.strokeRect(bx + 0.5, by + 0.5, tw + 3, 12);
            ctx.fillStyle = "#222";
            ctx.fillText(label, bx + 2, by + 1.5);
          }
          hits.push({u: k.u, x0: x0 - px, y0: y0 - py, x1: x0 - px + icon.width, y1: y0 - py + icon.height,
                     x: k.x - px, y: k.y - py, old: old});
        });
        this._hits = hits;  // container pixels, drawn order (the last on top)
        this._complete = !waiting;
        this._drawMs = (root.performance ? root.performance.now() : 0) - t0;
      },
      _drawTracks: function (ctx, kept, px, py) {
        var map = this._map, legs = [];
        kept.forEach(function (k) {
          var h = k.u.h || [];
          if (h.length < 2) return;
          legs.push(h.slice().reverse().map(function (r) {  // oldest first
            var p = map.latLngToContainerPoint([r[1], r[2]]);
            return [p.x + px, p.y + py];
          }));
        });
        if (!legs.length) return;
        ctx.save();  // a path per track: Skia strokes and fills many small paths faster than one large one
        ctx.strokeStyle = "#444";
        ctx.fillStyle = "#444";
        ctx.lineWidth = 1.5;
        ctx.globalAlpha = 0.85;
        legs.forEach(function (pts) {
          ctx.setLineDash([4, 4]);
          ctx.beginPath();
          pts.forEach(function (p, i) { if (i) ctx.lineTo(p[0], p[1]); else ctx.moveTo(p[0], p[1]); });
          ctx.stroke();
          ctx.setLineDash([]);
          ctx.beginPath();
          for (var i = 1; i < pts.length; i++) {  // one arrow per leg, at its middle, pointing to the later report
            var a = pts[i - 1], b = pts[i];
            arrow(ctx, (a[0] + b[0]) / 2, (a[1] + b[1]) / 2, b[0] - a[0], b[1] - a[1], 5);
          }
          for (var j = 0; j < pts.length - 1; j++) {
            ctx.moveTo(pts[j][0] + 2.5, pts[j][1]);
            ctx.arc(pts[j][0], pts[j][1], 2.5, 0, 2 * Math.PI);
          }
          ctx.fill();
        });
        ctx.restore();
      },
      _animate: function (e) {
        if (!this._corner || !this._canvas) return;
        var scale = this._map.getZoomScale(e.zoom);
        L.DomUtil.setTransform(this._canvas, this._map._latLngToNewLayerPoint(this._corner, e.zoom, e.center), scale);
      },
      /** The unit whose symbol covers container point ``pt`` (the topmost), or null. */
      _at: function (pt) {
        var hits = this._hits || [];
        for (var i = hits.length - 1; i >= 0; i--) {
          var h = hits[i];
          if (pt.x >= h.x0 && pt.x <= h.x1 && pt.y >= h.y0 && pt.y <= h.y1) return h;
        }
        return null;
      },
      _onClick: function (e) {
        if (e.__geoIdentified) return;
        if (U.openAt(this._map, e.containerPoint)) e.__geoIdentified = true;
      },
      _onMove: function (e) {
        if ((this._map.__geoPoints || []).length) return;  // the events layer's hover answers for units too
        this._map.getContainer().style.cursor = U.at(this._map, e.containerPoint) ? "pointer" : "";
      },
    });
  };

  /** The unit drawn at container point ``pt`` of ``map`` (the topmost over every units layer): {u, layer}. */
  U.at = function (map, pt) {
    var layers = (map && map.__geoUnits) || [];
    for (var i = layers.length - 1; i >= 0; i--) {
      var h = layers[i]._at(pt);
      if (h) return {u: h.u, layer: layers[i], hit: h};
    }
    return null;
  };

  /** Open the popup of the unit at container point ``pt``; whether there was one. */
  U.openAt = function (map, pt) {
    var hit = U.at(map, pt);
    if (!hit) return false;
    L.popup({maxWidth: 400, offset: [0, -hit.hit.y + hit.hit.y0]}).setLatLng([hit.u.la, hit.u.lo])
      .setContent(U.popup(hit.u, hit.layer._spec)).openOn(map);
    return true;
  };

  /** The hover lines of the unit at ``pt`` (name, last report), or null. */
  U.hoverLines = function (map, pt) {
    var hit = U.at(map, pt);
    if (!hit) return null;
    return [hit.u.n, "last reported " + hit.u.d + (hit.u.a > 0 ? " (" + hit.u.a + " d before " + hit.layer._spec.day +
      ")" : "") + ": click for its history"];
  };

  /** What the units layers on ``map`` show now (for tests and diagnostics): {units: n drawn, hidden: n hidden
   *  by the zoom, complete: every symbol's picture drawn, drawMs: the last redraw's milliseconds, symbols: [{n, c, x, y, x0, y0, x1, y1, old, a}] in
   *  container pixels}. */
  U.stats = function (map) {
    var out = {units: 0, hidden: 0, complete: true, drawMs: 0, symbols: []};
    ((map && map.__geoUnits) || []).forEach(function (layer) {
      out.units += layer._shownUnits || 0;
      out.hidden += layer._hiddenUnits || 0;
      out.complete = out.complete && !!layer._complete;
      out.drawMs += layer._drawMs || 0;
      (layer._hits || []).forEach(function (h) {
        out.symbols.push({n: h.u.n, c: h.u.c, x: h.x, y: h.y, x0: h.x0, y0: h.y0, x1: h.x1, y1: h.y1, old: h.old,
                          a: h.u.a});
      });
    });
    return out;
  };

  root.GeoUnits = U;
  if (typeof module !== "undefined" && module.exports) module.exports = U;
})(typeof window !== "undefined" ? window : globalThis);
