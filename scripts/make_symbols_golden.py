"""Regenerate tests/golden/symbols.png, the golden image of tests/test_symbols.py: milsymbol's symbols of
both code generations and every affiliation drawn by ``geo.symbols.draw_symbols`` (150 dpi).

Run after an intended change to how symbols are drawn: ``python scripts/make_symbols_golden.py``; look at
the image (and at the same codes in a browser) before committing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_symbols import GOLDEN, render_golden  # noqa: E402


def main() -> int:
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_bytes(render_golden())
    print(f"wrote {GOLDEN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
