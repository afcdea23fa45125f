"""Unit symbols in static exports: time ``geo.symbols.draw_symbols`` (one command: ``python bench/symbols.py``).

2,000 units (8 codes of both generations, every affiliation, echelons; a fading alpha per unit) scattered
over an A5-sized axes, drawn and saved as a PNG at 150 dpi; the rest of the figure is empty, so the time is
the symbols'. Reported: the first run (the V8 engine started, milsymbol loaded, the 8 icons drawn and
parsed: what one export pays once per process), then the best of a few warm runs (icons cached), and the
same as a plain scatter of the points for scale. Writes bench/out/symbols.png to look at.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from geo.symbols import draw_symbols  # noqa: E402

CODES = [
    "SFGPUCI----H---", "SHGPUCA----F---", "SNGPUCF----E---", "SUGPUCD--------",
    "10031000161303004100", "10061000001307000000", "10041000221301000000", "10011000211211000000",
]
DPI = 150


def _figure() -> tuple[Figure, object]:
    fig = Figure(figsize=(8.3, 5.8), dpi=DPI)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
    ax.set_xlim(30, 36)
    ax.set_ylim(50, 53)
    return fig, ax


def run(n: int, *, symbols: bool = True, out: Path | None = None) -> float:
    rng = np.random.default_rng(11)
    x, y = rng.uniform(30, 36, n), rng.uniform(50, 53, n)
    codes = [CODES[i % len(CODES)] for i in range(n)]
    alpha = np.clip(1.0 - rng.uniform(0, 30, n) / 40.0, 0.3, 1.0)  # report age fading
    t0 = time.perf_counter()
    fig, ax = _figure()
    if symbols:
        draw_symbols(ax, x, y, codes, size_pt=14, alpha=alpha)
    else:
        ax.scatter(x, y, s=80, c=alpha, marker="s", zorder=7)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    elapsed = time.perf_counter() - t0
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(buf.getvalue())
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="units (default 2,000)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    first = run(args.n, out=ROOT / "bench" / "out" / "symbols.png")
    warm = min(run(args.n) for _ in range(args.repeat))
    scatter = min(run(args.n, symbols=False) for _ in range(args.repeat))
    print(f"draw_symbols, {args.n} units of {len(CODES)} codes, PNG at {DPI} dpi:")
    print(f"  first run (engine start, milsymbol, icons parsed): {first:.3f} s")
    print(f"  warm (best of {args.repeat}):                            {warm:.3f} s")
    print(f"  the same points as a plain scatter:                 {scatter:.3f} s")
    print("  picture: bench/out/symbols.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
