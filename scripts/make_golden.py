"""Regenerate tests/golden/snapshot.png (the golden image of tests/test_snapshot.py) and, with ``--docs``,
the README's docs/snapshot.png (the sample data on the real boundary mirror, ../shared/geodata).

Run after an intended change to the snapshot's look: ``python scripts/make_golden.py [--docs]``; look at the
images before committing them.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from snapshot_factories import GENERATED, GOLDEN, snapshot_inputs  # noqa: E402

from geo.snapshot import export  # noqa: E402

#: The README's picture: the sample's August 2024 window, A4 at 150 dpi, a fixed generation time.
DOCS_ARGS = ["snapshot", "--start", "2024-08-01", "--end", "2024-08-31", "--title", "Kursk and the Belarus border",
             "--dpi", "150", "--generated", "2026-11-30T08:00Z"]


def main(argv: list[str] | None = None) -> int:
    events, boundaries, index, view = snapshot_inputs()
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_bytes(export("png", events, boundaries, view, index=index, generated=GENERATED))
    print(f"wrote {GOLDEN.relative_to(ROOT)}")
    if "--docs" in (sys.argv[1:] if argv is None else argv):
        import os
        import tempfile

        from geo.cli import main as cli

        mirror = ROOT.parent / "shared" / "geodata" / "gbOpen"
        with tempfile.TemporaryDirectory() as tmp:
            os.environ.update(GEO_BOUNDARIES_SOURCE=str(mirror), GEO_STORE=str(Path(tmp) / "none.gpkg"))
            os.environ.setdefault("GEO_CACHE_DIR", str(Path(tmp) / "cache"))
            return cli([*DOCS_ARGS, "--out", str(ROOT / "docs" / "snapshot.png")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
