"""Fixtures for the reader tests; the row factories live in io_factories.py."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pytest
from io_factories import csv_text

WriteFile = Callable[..., Path]


@pytest.fixture
def write_text(tmp_path: Path) -> WriteFile:
    """write_text(name, text, encoding="utf-8") -> path of a new file under tmp_path."""

    def write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteFile:
    """write_csv(name, columns, rows, delimiter=",", encoding="utf-8") -> path."""

    def write(
        name: str,
        columns: Iterable[str],
        rows: Iterable[object],
        delimiter: str = ",",
        encoding: str = "utf-8",
    ) -> Path:
        path = tmp_path / name
        path.write_bytes(csv_text(columns, rows, delimiter).encode(encoding))  # type: ignore[arg-type]
        return path

    return write


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240816)
