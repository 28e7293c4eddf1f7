"""Exceptions raised by typorisk.

Every exception the library raises on purpose derives from :class:`TyporiskError`, so callers can
catch one type. Messages name the offending input and say how to fix it. Failures of a single
network lookup are *data* (an outcome on a result), never exceptions.

::

    TyporiskError
    ├── InvalidTargetError      a protected domain could not be parsed or normalised
    ├── UnknownKindError        an operator name that is not in the registry
    ├── DuplicateKindError      an operator registered twice under one name
    ├── DataFileError           a shipped or user-supplied data file is missing or malformed
    └── ResolverConfigError     a name server address or resolver option is unusable
"""

from __future__ import annotations


class TyporiskError(Exception):
    """Root of every error typorisk raises deliberately."""


class InvalidTargetError(TyporiskError, ValueError):
    """A target (protected domain) is not a valid, registrable domain name.

    Attributes:
        text: the input as given, for the message and for batch reports.
        reason: what is wrong, phrased so that the user knows what to change.
    """

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        shown = text if len(text) <= 80 else text[:77] + "..."
        super().__init__(f"invalid target {shown!r}: {reason}")


class UnknownKindError(TyporiskError, KeyError):
    """An operator (typo kind) name is not registered."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        super().__init__(f"unknown typo kind {name!r}; known kinds and groups: {', '.join(known)}")

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0])


class DuplicateKindError(TyporiskError):
    """Two operators were registered under the same name."""


class DataFileError(TyporiskError):
    """A data file (suffix list, words file, parameters) cannot be read or parsed."""


class ResolverConfigError(TyporiskError, ValueError):
    """A resolver option (name server address, port, rate, timeout) is unusable."""
