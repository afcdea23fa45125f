"""One exception base class with a few subclasses.

Messages say "expected X, got Y" and name the file, row and column where there is one.
"""

from __future__ import annotations


class GeoError(Exception):
    """Base class of every error raised by the ``geo`` package."""


class InputFormatError(GeoError):
    """A file cannot be read as the format it claims (or that was detected)."""

    def __init__(self, message: str, *, file: str | None = None) -> None:
        self.file = file
        super().__init__(f"{file}: {message}" if file else message)


class RowError(GeoError):
    """One field of one row is invalid."""

    def __init__(self, file: str, row: int, field: str, value: object, reason: str) -> None:
        self.file, self.row, self.field, self.value, self.reason = file, row, field, value, reason
        super().__init__(f"{file}, row {row}, field {field!r}: {reason} (value {value!r})")


class BoundaryError(GeoError):
    """Boundaries cannot be fetched, read or cached."""


class StoreError(GeoError):
    """The event store cannot be opened or written; the store is left unchanged."""


class GeocodeError(GeoError):
    """A place name cannot be resolved unambiguously."""
