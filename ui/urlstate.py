"""The shareable view: the app's state in the page URL, and back.

The query string holds the window, the filters, the rendering mode, the map's centre and zoom, the overlays
shown, the base map and the drawn shapes. Opening the link restores them. Everything here is plain
functions over mappings (the session state, the query parameters), so it runs and is tested without a
Streamlit server; the app hands it ``st.session_state`` and ``st.query_params``.

Parameters (only what differs from the defaults is written, the window always):

==========  =============================================  ==========================================
``from``    first day of the window                        ``2024-08-10``
``to``      last day of the window                         ``2024-08-16``
``cat``     categories (``ver``, ``prec``, ``act``,        ``strike~deployment`` (``~`` separates; a
            ``adm0``, ``adm1``, ``adm2`` alike)            ``~`` or ``%`` inside a value is %-escaped)
``border``  border districts only                          ``1``
``q``       search text                                    ``Sudzha``
``mode``    event rendering                                ``points`` / ``cells``
``view``    map centre and zoom                            ``51.73_36.19_9`` (lat_lon_zoom)
``layers``  the registry layers shown (empty: none)        ``countries~events~heatmap``
``base``    base map                                       ``satellite``
``draw``    drawn shapes: ``p`` polygon lon_lat pairs,     ``p36_51_36.4_51_36.4_52c36.19_51.73_25000``
            ``c`` circle lon_lat_radius(m)
==========  =============================================  ==========================================

An invalid parameter (a bad date, an unknown category) is left out with a warning naming it; the rest
of the link still applies.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Final
from urllib.parse import unquote, urlencode, urlparse

from geo.errors import GeoError
from geo.filter import Shape
from geo.render import BASEMAPS, LAYERS

MODES: Final = ("auto", "points", "cells")
#: list parameter → (session-state key of its sidebar multiselect, key of its choices in ``filter.options``)
FACETS: Final = {
    "cat": ("f-cat", "categories"),
    "ver": ("f-ver", "verification"),
    "prec": ("f-prec", "precision"),
    "act": ("f-act", "actors"),
    "adm0": ("f-adm0", "countries"),
    "adm1": ("f-adm1", "adm1"),
    "adm2": ("f-adm2", "adm2"),
}
#: session-state keys the map and this module keep
MAP_VIEW = "map-view"  # (lat, lon, zoom) the map last reported, or the link's until it reports
LINK_VIEW = "link-view"  # the link's view, until the map has been asked to show it
MAP_OVERLAYS = "map-overlays"  # registry names shown, as the map runtime reports them
MAP_LISTED = "map-overlays-listed"  # registry names the map has (shown or not)
LINK_OVERLAYS = "link-overlays"  # the link's, until the runtime reports
DRAWN = "drawn"  # tuple[Shape, ...]: the drawn filter
DRAWN_GEN = "drawn-gen"  # bumped when the shapes change other than by drawing (link, clear): the map redraws
SEED = "link-seed"  # this session's token: the runtime applies a link's overlays once per token
RESTORED = "link-restored"
WARNINGS = "link-warnings"
LIST_SEP: Final = "~"
_NUMBER = r"-?\d+(?:\.\d+)?"
_SHAPE = re.compile(rf"([pc])((?:{_NUMBER})(?:_{_NUMBER})*)")
_DEFAULT_BASEMAP: Final = next(iter(BASEMAPS))


@dataclass(frozen=True)
class LinkState:
    """What a link holds. ``None`` / empty means "not in the link": the app's default applies."""

    start: date | None = None
    end: date | None = None
    facets: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (parameter, values), parameters of FACETS
    border_only: bool = False
    search: str = ""
    mode: str = "auto"
    view: tuple[float, float, float] | None = None  # lat, lon, zoom
    overlays: tuple[str, ...] | None = None  # registry names shown
    basemap: str | None = None
    shapes: tuple[Shape, ...] = field(default=())

    def facet(self, param: str) -> tuple[str, ...]:
        return dict(self.facets).get(param, ())


# --- text forms ---------------------------------------------------------------------------------------


def _join(values: Sequence[str]) -> str:
    return LIST_SEP.join(v.replace("%", "%25").replace(LIST_SEP, "%7E") for v in values)


def _split(text: str) -> tuple[str, ...]:
    return tuple(unquote(v) for v in text.split(LIST_SEP) if v != "")


def _num(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def encode_shapes(shapes: Sequence[Shape]) -> str:
    """``p`` + lon_lat pairs of a polygon, ``c`` + lon_lat_radius of a circle, one after the other."""
    parts = []
    for s in shapes:
        numbers = [_num(v, 5) for p in s.points for v in p]
        if s.kind == "circle":
            numbers.append(_num(s.radius_m, 0))
        parts.append(("p" if s.kind == "polygon" else "c") + "_".join(numbers))
    return "".join(parts)


def decode_shapes(text: str) -> tuple[Shape, ...]:
    """Inverse of :func:`encode_shapes`; raises :class:`GeoError` saying what is wrong."""
    pos, shapes = 0, []
    for match in _SHAPE.finditer(text):
        if match.start() != pos:
            break
        pos = match.end()
        kind, numbers = match.group(1), [float(v) for v in match.group(2).split("_")]
        if kind == "c":
            if len(numbers) != 3:
                raise GeoError(f"expected a circle as c<lon>_<lat>_<radius m>, got {match.group(0)!r}")
            shapes.append(Shape("circle", ((numbers[0], numbers[1]),), numbers[2]))
        else:
            if len(numbers) % 2:
                raise GeoError(f"expected a polygon as p<lon>_<lat>_… in pairs, got {match.group(0)!r}")
            shapes.append(Shape("polygon", tuple(zip(numbers[::2], numbers[1::2], strict=True))))
    if pos != len(text) or not text:
        raise GeoError(f"expected shapes like p36_51_36.4_51_36.4_52 or c36.19_51.73_25000, got {text[pos:]!r}")
    return tuple(shapes)


def encode(state: LinkState) -> dict[str, str]:
    """The query parameters of ``state`` (defaults left out)."""
    out: dict[str, str] = {}
    if state.start is not None:
        out["from"] = state.start.isoformat()
    if state.end is not None:
        out["to"] = state.end.isoformat()
    for param in FACETS:
        if state.facet(param):
            out[param] = _join(state.facet(param))
    if state.border_only:
        out["border"] = "1"
    if state.search:
        out["q"] = state.search
    if state.mode != "auto":
        out["mode"] = state.mode
    if state.view is not None:
        lat, lon, zoom = state.view
        out["view"] = f"{_num(lat, 5)}_{_num(lon, 5)}_{_num(zoom, 2)}"
    if state.overlays is not None:
        out["layers"] = _join(state.overlays)
    if state.basemap is not None and state.basemap != _DEFAULT_BASEMAP:
        out["base"] = state.basemap
    if state.shapes:
        out["draw"] = encode_shapes(state.shapes)
    return out


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise GeoError(f"expected a date like 2024-08-06, got {text!r}") from exc


def _view(text: str) -> tuple[float, float, float]:
    try:
        lat, lon, zoom = (float(v) for v in text.split("_"))
    except ValueError as exc:
        raise GeoError(f"expected <lat>_<lon>_<zoom> like 51.73_36.19_9, got {text!r}") from exc
    if not (-85 <= lat <= 85 and -180 <= lon <= 180 and 0 <= zoom <= 20):
        raise GeoError(f"expected lat -85..85, lon -180..180 and zoom 0..20, got {text!r}")
    return lat, lon, zoom


def _choice(vocab: Sequence[str]) -> Callable[[str], str]:
    def read(text: str) -> str:
        if text not in vocab:
            raise GeoError(f"expected one of {', '.join(vocab)}, got {text!r}")
        return text
    return read


def _layers(text: str) -> tuple[str, ...]:
    names = _split(text)
    unknown = [n for n in names if n not in LAYERS]
    if unknown:
        raise GeoError(f"expected layer names among {', '.join(LAYERS)}, got {', '.join(map(repr, unknown))}")
    return names


def _flag(text: str) -> bool:
    if text.strip().lower() not in ("0", "1", "true", "false"):
        raise GeoError(f"expected 1 or 0, got {text!r}")
    return text.strip().lower() in ("1", "true")


#: parameter → (LinkState field, reader)
_READERS: Final[dict[str, tuple[str, Callable[[str], Any]]]] = {
    "from": ("start", _date),
    "to": ("end", _date),
    "border": ("border_only", _flag),
    "q": ("search", str.strip),
    "mode": ("mode", _choice(MODES)),
    "view": ("view", _view),
    "layers": ("overlays", _layers),
    "base": ("basemap", _choice(tuple(BASEMAPS))),
    "draw": ("shapes", decode_shapes),
}


def warning(param: str, problem: str) -> str:
    return f"Link parameter '{param}': {problem}; ignored."


def decode(params: Mapping[str, str]) -> tuple[LinkState, list[str]]:
    """The state a link's query parameters hold, and a warning (naming the parameter) for each one that is
    invalid or unknown and so left out. Never raises."""
    values: dict[str, Any] = {}
    facets: list[tuple[str, tuple[str, ...]]] = []
    warnings: list[str] = []
    for param, text in params.items():
        text = text[-1] if isinstance(text, list) else str(text)  # a repeated parameter: the last one
        if param in FACETS:
            facets.append((param, _split(text)))
        elif param in _READERS:
            name, read = _READERS[param]
            try:
                values[name] = read(text)
            except (GeoError, ValueError) as exc:
                warnings.append(warning(param, str(exc)))
        elif param.lower() not in ("embed", "embed_options"):
            warnings.append(warning(param, f"expected one of {', '.join([*_READERS, *FACETS])}"))
    state = LinkState(facets=tuple(sorted(facets)), **values)
    if state.start is not None and state.end is not None and state.start > state.end:
        warnings.append(warning("from", f"{state.start} is after to {state.end}: expected from on or before to"))
        state = replace(state, start=None, end=None)
    return state, warnings


# --- the session state --------------------------------------------------------------------------------


def option_value(option: Any) -> str:
    """The value a sidebar choice stands for (a unit's id for the (id, name, …) tuples)."""
    if isinstance(option, tuple | list):
        return str(option[0])
    return str(option)


def to_session(state: LinkState, options: Mapping[str, Sequence[Any]],
               span: tuple[date, date] | None) -> tuple[dict[str, Any], list[str]]:
    """Session-state values (sidebar widget keys, map keys) that put ``state`` in force, and a warning for
    each value the loaded events do not offer (``options``: :func:`geo.filter.options`; ``span``: the
    first and last day the window may take)."""
    out: dict[str, Any] = {}
    warnings: list[str] = []
    if state.start is not None or state.end is not None:
        window = _window(state, span, warnings)
        if window is not None:
            out.update({"w-from": window[0], "w-to": window[1], "w-slider": window, "w-window": window})
    for param, (key, choices) in FACETS.items():
        wanted = state.facet(param)
        if not wanted:
            continue
        offered = {option_value(o): o for o in options.get(choices, ())}
        unknown = [v for v in wanted if v not in offered]
        if unknown:
            warnings.append(warning(param, f"{', '.join(map(repr, unknown))} not among the loaded events' {choices}"))
        out[key] = [o for v, o in offered.items() if v in wanted]  # in the widget's own order
    if state.border_only:
        out["f-border"] = True
    if state.search:
        out["f-search"] = state.search
    if state.mode != "auto":
        out["f-mode"] = state.mode
    if state.basemap is not None:
        out["basemap"] = state.basemap
    if state.view is not None:
        out[LINK_VIEW] = out[MAP_VIEW] = state.view
    if state.overlays is not None:
        out[LINK_OVERLAYS] = state.overlays
    if state.shapes:
        out[DRAWN] = state.shapes
    return out, warnings


def _window(state: LinkState, span: tuple[date, date] | None, warnings: list[str]) -> tuple[date, date] | None:
    if span is None:
        warnings.append(warning("from", "no event has a date, so there is no window to set"))
        return None
    lo, hi = span
    start, end = state.start or lo, state.end or hi
    for param, day in (("from", start), ("to", end)):
        if not lo <= day <= hi:
            warnings.append(warning(param, f"{day} lies outside the events' span {lo} – {hi}"))
            return None
    if start > end:
        warnings.append(warning("from", f"{start} is after to {end}: expected from on or before to"))
        return None
    return start, end


def from_session(session: Mapping[str, Any]) -> LinkState:
    """The state the session shows now (the sidebar's widget keys, the map's last report)."""
    window = session.get("w-window") or (session.get("w-from"), session.get("w-to"))
    facets = tuple(
        (param, tuple(option_value(o) for o in session.get(key) or ()))
        for param, (key, _choices) in FACETS.items() if session.get(key)
    )
    view = session.get(MAP_VIEW)
    overlays = session.get(MAP_OVERLAYS, session.get(LINK_OVERLAYS))
    if overlays is not None and MAP_OVERLAYS in session and set(overlays) == _default_overlays(session):
        overlays = None  # the registry's defaults: nothing to say
    return LinkState(
        start=window[0], end=window[1], facets=facets, border_only=bool(session.get("f-border")),
        search=str(session.get("f-search") or "").strip(), mode=str(session.get("f-mode") or "auto"),
        view=tuple(view) if view is not None else None,  # type: ignore[arg-type]
        overlays=tuple(overlays) if overlays is not None else None,
        basemap=session.get("basemap"), shapes=tuple(session.get(DRAWN) or ()),
    )


def _default_overlays(session: Mapping[str, Any]) -> set[str]:
    listed = session.get(MAP_LISTED) or LAYERS
    return {name for name in listed if name in LAYERS and LAYERS[name].show}


def restore(session: MutableMapping[str, Any], params: Mapping[str, str], options: Mapping[str, Sequence[Any]],
            span: tuple[date, date] | None) -> list[str]:
    """Once per session: put the link's state in ``session`` before the widgets are drawn; the warnings
    (also kept under ``WARNINGS`` for the page to show)."""
    if session.get(RESTORED):
        return list(session.get(WARNINGS) or [])
    session[RESTORED] = True
    session[SEED] = uuid.uuid4().hex[:12]
    state, warnings = decode(params)
    values, more = to_session(state, options, span)
    session.update(values)
    if state.shapes:
        session[DRAWN_GEN] = session.get(DRAWN_GEN, 0) + 1
    session[WARNINGS] = warnings + more
    return session[WARNINGS]


def publish(session: Mapping[str, Any], params: MutableMapping[str, str]) -> dict[str, str]:
    """Write the session's state to ``params`` (the page URL) when it differs; returns the parameters."""
    wanted = encode(from_session(session))
    current = {k: (v[-1] if isinstance(v, list) else v) for k, v in params.items()
               if k.lower() not in ("embed", "embed_options")}
    if current != wanted:
        from_dict = getattr(params, "from_dict", None)
        if from_dict is not None:  # st.query_params: one message to the browser
            from_dict(wanted)
        else:
            params.clear()
            params.update(wanted)
    return wanted


def link(base_url: str | None, params: Mapping[str, str]) -> str:
    """The full link (``base_url`` + query), or a relative ``?…`` without a base."""
    query = urlencode(dict(params))
    base = (base_url or "").split("?", 1)[0].split("#", 1)[0]
    if base and not urlparse(base).path:
        base += "/"  # http://host:8501 → http://host:8501/
    return f"{base}?{query}"


__all__ = ["LinkState", "decode", "decode_shapes", "encode", "encode_shapes", "from_session", "link", "publish",
           "restore", "to_session"]
