"""The worked analysis notebook runs top to bottom on the sample data (so it cannot rot)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.shared
def test_notebook_executes(shared_geodata, tmp_path, monkeypatch):
    monkeypatch.setenv("GEO_BOUNDARIES_SOURCE", str(shared_geodata / "gbOpen"))
    monkeypatch.setenv("GEO_CACHE_DIR", str(tmp_path / "cache"))
    nb = nbformat.read(ROOT / "notebooks" / "events_per_raion.ipynb", as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = "".join(
        str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
        for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
    )
    assert "Sudzhanskii raion" in outputs and "Kostyukovichi" in outputs
    assert "geoBoundaries" in outputs  # the attribution line
    assert (ROOT / "notebooks" / "events_per_raion.png").stat().st_size > 10_000
