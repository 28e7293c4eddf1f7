"""Every exception typorisk raises on purpose, in one tree.

Callers can catch :class:`TyporiskError` alone. Messages name the offending input and say how to
fix it; each class keeps the facts as attributes (the structured context), so a caller never
parses a message. Failures of a single network lookup are *data* (an outcome on a result), never
exceptions. The CLI maps the tree to exit codes (``typorisk --help``).

::

    TyporiskError
    ├── InvalidTargetError        text, reason: a protected domain cannot be parsed
    ├── UnknownKindError          name, known: an operator name not in the registry
    ├── DuplicateKindError        an operator registered twice under one name
    ├── DataFileError             a data or input file is missing, unreadable or malformed
    │   ├── InputLimitError       path, line, limit: an input over a cap (line, size, depth)
    │   └── BadGzipError          path, reason, lines: gzip that cannot be read to its end
    ├── RowTypeError              column, expected: a row cell of the wrong type
    ├── ResolverConfigError       a name server address or resolver option is unusable
    ├── ScanOptionError           flag, feed_key, reason: a scan option out of range
    ├── PolitenessError           a rate or burst is unusable
    ├── ProbeConfigError          an SMTP probe option is unusable
    ├── PolicyConfigError         a policyd setting is unusable
    ├── FeedSpecError             problems: an invalid feed definition, every problem with file:line
    ├── UnsafeNameError           name, reason: a name that must not reach a consumer's file
    ├── RankInputError            a row cannot be ranked
    ├── FetchError                url, reason: an HTTP exchange failed
    ├── CTLogError                log, url, reason: a CT log failed or misbehaved (state kept)
    ├── OutputWriteError          path, reason: an output not written, the old kept (exit 5)
    ├── ResolverUnreachableError  server, reason: a name server failed the pre-run check (exit 4)
    └── RunIncompleteError        run, reasons: the run did not see the world (exit 4)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Located(Protocol):
    """Anything with a line and a column (a feed definition problem)."""

    @property
    def line(self) -> int: ...

    @property
    def column(self) -> int: ...


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


class PolitenessError(TyporiskError, ValueError):
    """A rate or burst option is unusable (negative, zero burst)."""


class InputLimitError(DataFileError):
    """An input is over one of its caps.

    Attributes:
        path: the file as given (``-``: standard input).
        line: the 1-based line over the cap; 0 when the whole file is.
        limit: the cap, in bytes (or in nesting levels for JSON depth).
    """

    def __init__(self, path: str, line: int, limit: int, message: str) -> None:
        self.path = path
        self.line = line
        self.limit = limit
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class BadGzipError(DataFileError):
    """Gzip input that cannot be read to its end; the complete lines before the damage were
    already delivered.

    Attributes:
        path: the file as given.
        reason: what is wrong (``truncated``, ``junk after the gzip stream``, ...).
        lines: lines delivered before the damage.
    """

    def __init__(
        self, path: str, reason: str, lines: int = 0, fix: str = "re-fetch or repair the file"
    ) -> None:
        self.path = path
        self.reason = reason
        self.lines = lines
        self.fix = fix
        super().__init__(f"{path}: {reason}; the {lines:,} lines before it were read ({fix})")

    def with_lines(self, lines: int) -> BadGzipError:
        """The same error, counting ``lines`` delivered lines."""
        return BadGzipError(self.path, self.reason, lines, self.fix)


class FetchError(TyporiskError):
    """An HTTP exchange failed (timeout, connection, oversized body, refused redirect).

    ``reason`` is short and stable (``timeout``, ``too-large``, ``redirect-refused``...), for rows.
    """

    def __init__(self, url: str, reason: str, detail: str = "") -> None:
        self.url = url
        self.reason = reason
        hint = f": {detail}" if detail else ""
        super().__init__(
            f"GET {url} failed ({reason}{hint}); check the URL and the network, or retry later"
        )


class RankInputError(TyporiskError, ValueError):
    """A row cannot be ranked (no ``domain`` or ``target``, wrong types); the message says which."""


class ProbeConfigError(TyporiskError, ValueError):
    """An SMTP probe option is unusable (a sender at a protected domain, a bad HELO name)."""


class PolicyConfigError(TyporiskError, ValueError):
    """A policy setting (action mapping, reply text, threshold) is unusable."""


class UnsafeNameError(TyporiskError, ValueError):
    """A name is not a lowercase LDH A-label and must not reach a consumer's file.

    Attributes:
        name: the offending value (``repr`` is used in the message, so control characters show).
        reason: what is wrong with it.
    """

    def __init__(self, name: object, reason: str) -> None:
        self.name = name
        self.reason = reason
        shown = repr(name) if len(repr(name)) <= 90 else repr(name)[:87] + "..."
        super().__init__(f"refusing to write {shown}: {reason}")


class FeedSpecError(TyporiskError):
    """A feed definition is invalid; ``problems`` holds each one with its line."""

    def __init__(self, problems: Sequence[Located]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.line, p.column))
        listed = "\n".join(str(p) for p in problems)
        super().__init__(f"invalid feed definition ({len(problems)} problems):\n{listed}")


class RowTypeError(TyporiskError, ValueError):
    """A row read back has a cell of the wrong type.

    Attributes:
        column: the column name.
        expected: the type it must have, in words.
    """

    def __init__(self, column: str, expected: str, value: object) -> None:
        self.column = column
        self.expected = expected
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        super().__init__(f"column {column!r} must be {expected}, not {shown}")


class OutputWriteError(TyporiskError):
    """An output file or the store could not be written (disk full, permission, a directory in
    the way); the previous file or the runs recorded before are kept (exit code 5).

    Attributes:
        path: the file that was being written.
        reason: the cause, in words.
    """

    def __init__(self, path: object, reason: str, kept: str = "the old file is kept") -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"cannot write {path}: {reason}" + (f"; {kept}" if kept else ""))


class ServeConfigError(TyporiskError, ValueError):
    """``typorisk serve`` cannot start: two outputs of a feed publish the same file name, two
    feeds share a name, a token or TLS file is unusable; the message says which and how to fix it.
    """


class CTLogError(TyporiskError):
    """A Certificate Transparency log failed or misbehaved (unreachable, HTTP error, malformed
    tree head, a tree that shrank); that log's state is not advanced, the other logs go on.

    Attributes:
        log: the log's name (its description in the log list).
        url: the log's read URL (RFC 6962 base URL or static-ct-api monitoring prefix).
        reason: what went wrong, in words.
    """

    def __init__(self, log: str, url: str, reason: str) -> None:
        self.log = log
        self.url = url
        self.reason = reason
        super().__init__(
            f"CT log {log} ({url}): {reason}; its state was not advanced (the next run "
            "retries from the last saved index)"
        )
