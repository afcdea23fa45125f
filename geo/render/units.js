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
    box.appendChild(node("div", "geo-unit-name", u.n));
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
    return box;
  };

  var STYLE = [
    ".geo-unit{background:none;border:none}",
    ".geo-unit img{display:block}",
    ".geo-unit-old{opacity:.45}",
    ".geo-unit-badge{position:absolute;left:100%;top:0;font:600 10px/1.2 system-ui,sans-serif;color:#222;",
    "background:rgba(255,255,255,.9);border:1px solid #777;border-radius:2px;padding:0 2px;white-space:nowrap}",
    ".geo-unit-pop{font:12px/1.35 system-ui,sans-serif;max-width:300px}",
    ".geo-unit-name{font-weight:700;margin-bottom:2px}",
    ".geo-unit-note{color:#8a5a00;font-style:italic}",
    ".geo-unit-hh{font-weight:600;margin-top:4px}",
    ".geo-unit-hist td{padding:0 4px 0 0;vertical-align:top}",
  ].join("");

  function ensureUnitStyle() {
    if (document.getElementById("geo-units-style")) return;
    var st = document.createElement("style");
    st.id = "geo-units-style";
    st.appendChild(document.createTextNode(STYLE));
    document.head.appendChild(st);
  }

  /** The units layer's Leaflet class, made on the runtime's ``Base`` layer (legend, show/hide). */
  U.layerClass = function (Base) {
    return Base.extend({
      _attach: function (map) {
        ensureUnitStyle();
        if (!this._group) this._group = this._build();
        this._group.addTo(map);
        map.on("zoomend", this._lod, this);
        this._lod();
      },
      _detach: function (map) {
        map.off("zoomend", this._lod, this);
        map.removeLayer(this._group);
      },
      _build: function () {
        var spec = this._spec, group = L.featureGroup(), self = this;
        this._markers = [];
        this._tracks = L.featureGroup();
        spec.units.forEach(function (u) {
          var icon = U.icon(u.c, {size: spec.size});
          var old = u.a > spec.fade;
          var html = '<img alt="" src="' + icon.url + '" width="' + icon.width + '" height="' + icon.height + '">' +
            (old ? '<span class="geo-unit-badge">' + Number(u.a) + " d</span>" : "");
          var marker = L.marker([u.la, u.lo], {
            icon: L.divIcon({html: html, className: "geo-unit" + (old ? " geo-unit-old" : ""),
                             iconSize: [icon.width, icon.height], iconAnchor: [icon.anchor.x, icon.anchor.y]}),
            keyboard: false, riseOnHover: true,
          });
          marker.bindPopup(function () { return U.popup(u, spec); }, {maxWidth: 320});
          marker._geoUnit = u;
          self._markers.push(marker);
          if (spec.track && u.h && u.h.length > 1) {
            var line = L.polyline(u.h.map(function (h) { return [h[1], h[2]]; }),
                                  {color: "#444", weight: 1.5, dashArray: "4 4", opacity: 0.8, interactive: false});
            line._geoUnit = u;
            self._tracks.addLayer(line);
          }
        });
        group.addLayer(this._tracks);
        return group;
      },
      /** Show the markers (and tracks) of the units the zoom's level of detail keeps. */
      _lod: function () {
        if (!this._map) return;
        var min = minRank(this._spec.lod, this._map.getZoom()), group = this._group, tracks = this._tracks;
        var shown = 0;
        this._markers.forEach(function (m) {
          var keep = !m._geoUnit.r || m._geoUnit.r >= min;
          if (keep) shown += 1;
          if (keep && !group.hasLayer(m)) group.addLayer(m);
          else if (!keep && group.hasLayer(m)) group.removeLayer(m);
        });
        tracks.eachLayer(function (line) {
          line.setStyle({opacity: !line._geoUnit.r || line._geoUnit.r >= min ? 0.8 : 0});
        });
        this._shownUnits = shown;
      },
    });
  };

  /** What a units layer on ``map`` shows now (for tests): {units: n drawn, hidden: n hidden by the zoom}. */
  U.stats = function (map) {
    var out = {units: 0, hidden: 0};
    map.eachLayer(function (layer) {
      if (layer._markers && layer._spec && layer._spec.units) {
        out.units += layer._shownUnits || 0;
        out.hidden += layer._markers.length - (layer._shownUnits || 0);
      }
    });
    return out;
  };

  root.GeoUnits = U;
  if (typeof module !== "undefined" && module.exports) module.exports = U;
})(typeof window !== "undefined" ? window : globalThis);
