/* geo-events unit symbols: APP-6 / MIL-STD-2525 icons drawn by milsymbol (the global `ms`, vendored as
 * geo/render/vendor/milsymbol.js and served with this file by geo/assets.py; never from a CDN).
 *
 *   GeoUnits.icon(sidc, options) -> {svg, anchor: {x, y}, width, height, sidc, valid}
 *       `svg`: the symbol's SVG markup; `anchor`: the pixel of the symbol that sits on the unit's position
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
    var out = Object.freeze({
      svg: symbol.asSVG(),
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

  root.GeoUnits = U;
  if (typeof module !== "undefined" && module.exports) module.exports = U;
})(typeof window !== "undefined" ? window : globalThis);
