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


class ScanOptionError(TyporiskError, ValueError):
    """A scan option is out of range.

    Attributes:
        flag: the command-line flag (``--rate``).
        feed_key: the key in a feed definition (``scan.resolve.rate``).
        reason: what the value must be.
    """

    def __init__(self, flag: str, feed_key: str, reason: str) -> None:
        self.flag = flag
        self.feed_key = feed_key
        self.reason = reason
        super().__init__(f"{flag} (feed key {feed_key}) {reason}")


class ResolverUnreachableError(TyporiskError):
    """A name server failed the check made before a run (no reply, REFUSED, SERVFAIL...).

    Attributes:
        server: ``host:port`` of the server.
        reason: what it did, in words.
    """

    def __init__(self, server: str, reason: str) -> None:
        self.server = server
        self.reason = reason
        super().__init__(
            f"name server {server} is not usable ({reason}); the run stopped before resolving "
            "and replaced nothing: check that it runs, or give another with --nameserver"
        )


class RunIncompleteError(TyporiskError):
    """A run did not see enough of the world to replace its outputs (exit code 4).

    Attributes:
        run: what ran (a feed name, a command).
        reasons: why it is incomplete, one line each.
    """

    def __init__(self, run: str, reasons: tuple[str, ...]) -> None:
        self.run = run
        self.reasons = reasons
        super().__init__(
            f"{run}: run incomplete, nothing replaced (the previous files are kept): "
            + "; ".join(reasons)
        )
