"""The project's documented errors. Every message names the file (and the line where it makes sense)."""
from __future__ import annotations


class KGError(Exception):
    """Base class of every error the tool reports to the user."""


class ReadError(KGError):
    """A source file that cannot be read as a paper (empty, binary, undecodable, too large ...)."""

    def __init__(self, path: str, message: str, line: int | None = None):
        self.path, self.line, self.message = str(path), line, message
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")


class ParseError(KGError):
    """Text that a parser (quantity, formula, normalizer) cannot interpret."""


class StoreBusyError(KGError):
    """Another process holds the store's write lock."""


class QueryError(KGError):
    """A SPARQL query that does not parse or fails to run."""
