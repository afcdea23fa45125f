"""Regenerate tests/golden/snapshot.png (the golden image of tests/test_snapshot.py).

Run after an intended change to the snapshot's look: ``python scripts/make_golden.py``; look at the image
before committing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from snapshot_factories import GENERATED, GOLDEN, snapshot_inputs  # noqa: E402

from geo.snapshot import export  # noqa: E402


def main() -> int:
    events, boundaries, index, view = snapshot_inputs()
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    GOLDEN.write_bytes(export("png", events, boundaries, view, index=index, generated=GENERATED))
    print(f"wrote {GOLDEN.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
