"""``ScanOptions`` as command-line flags: generated from the option table, so every option has
exactly one flag, with its help and default shown in ``--help``."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from typorisk.cli.common import parse_params, split_csv
from typorisk.errors import TyporiskError
from typorisk.pipeline.options import OPTIONS, OptionSpec, ScanOptions

GROUPS = (
    ("permutation", ("kinds", "exclude_kinds", "top", "two_edit_top", "tld", "words")),
    (
        "DNS",
        (
            "resolve", "nameservers", "authoritative", "authoritative_port", "concurrency",
            "processes", "rate", "timeout", "retries", "budget", "wildcards", "max_unknown",
        ),
    ),
    ("scale out (Dask)", ("executor", "scheduler", "workers", "batch_size")),
    (
        "registration (RDAP, WHOIS, zone files)",
        (
            "rdap", "whois", "zone_files", "rdap_rate", "rdap_timeout", "registration_cache",
            "rdap_bootstrap", "rdap_insecure_http", "whois_port",
            "network_owners", "rdap_network_bootstrap",
        ),
    ),
    (
        "SMTP probe (active probing: connects to third-party servers; never DATA)",
        ("probe_smtp", "smtp_helo", "smtp_from", "smtp_timeout", "smtp_port"),
    ),
    (
        "web evidence (fetches each candidate's site over HTTP(S); scripts never run)",
        (
            "web", "web_user_agent", "web_concurrency", "web_rate", "web_connect_timeout",
            "web_read_timeout", "web_max_bytes", "web_redirects", "web_screenshots", "web_ports",
        ),
    ),
    (
        "outbound address policy (every connection: web, RDAP, WHOIS, SMTP)",
        ("allow_private_network",),
    ),
    ("ranking", ("rank", "weights", "today")),
)  # fmt: skip
"""Option names by help section, in ``--help`` order."""


ALIASES = {"kinds": ("--kinds",), "exclude_kinds": ("--exclude-kinds",)}
"""Other spellings accepted for a flag (``permute`` spells these two in the plural; both
commands accept both)."""


def default_text(default: object) -> str:
    """`` (default: X)`` for an option's help (nothing for no value); numbers as ``%g``, lists
    joined by commas, booleans as on/off."""
    if default in (None, (), ""):
        return ""
    if isinstance(default, bool):
        return f" (default: {'on' if default else 'off'})"
    if isinstance(default, float):
        return f" (default: {default:g})"
    if isinstance(default, tuple):
        return f" (default: {', '.join(map(str, default))})"
    return f" (default: {default})"


def _add(group: Any, spec: OptionSpec, default: object) -> None:
    dest = spec.name
    flags = (spec.flag, *ALIASES.get(spec.name, ()))
    helptext = spec.help
    if spec.kind in ("strs", "paths", "weights") and "repeatable" not in helptext:
        helptext += " (repeatable)"
    if "default" not in helptext:
        helptext += default_text(default)
    helptext = helptext.replace("%", "%%")
    if spec.kind == "bool":
        group.add_argument(
            *flags, dest=dest, action=argparse.BooleanOptionalAction, default=default,
            help=helptext,
        )  # fmt: skip
    elif spec.kind in ("strs", "paths", "weights"):
        group.add_argument(
            *flags, dest=dest, action="append", default=None, metavar=spec.metavar,
            help=helptext,
        )  # fmt: skip
    elif spec.kind == "choice":
        group.add_argument(*flags, dest=dest, choices=spec.choices, default=default,
                           help=helptext)  # fmt: skip
    else:
        kinds: dict[str, Any] = {"int": int, "float": float, "str": str,
                                 "date": dt.date.fromisoformat}  # fmt: skip
        group.add_argument(
            *flags, dest=dest, type=kinds[spec.kind], default=default, metavar=spec.metavar,
            help=helptext,
        )  # fmt: skip


def add_scan_options(
    parser: argparse.ArgumentParser,
    names: Iterable[str] | None = None,
    *,
    defaults: ScanOptions | None = None,
) -> None:
    """Add the flags of the options ``names`` (default: all), grouped as in :data:`GROUPS`."""
    wanted = set(names) if names is not None else {o.name for o in OPTIONS}
    base = defaults or ScanOptions()
    by_name = {o.name: o for o in OPTIONS}
    for title, members in GROUPS:
        chosen = [m for m in members if m in wanted]
        if not chosen:
            continue
        group = parser.add_argument_group(title)
        for name in chosen:
            _add(group, by_name[name], getattr(base, name))


def options_from_args(
    args: argparse.Namespace, names: Sequence[str] | None = None, base: ScanOptions | None = None
) -> ScanOptions:
    """The :class:`ScanOptions` the flags say (options without a flag keep ``base``'s values).

    Raises :class:`~typorisk.errors.ScanOptionError` for out-of-range values."""
    base = base or ScanOptions()
    values: dict[str, object] = {}
    for spec in OPTIONS:
        if (names is not None and spec.name not in names) or not hasattr(args, spec.name):
            continue
        value = getattr(args, spec.name)
        if spec.kind in ("strs", "paths", "weights"):
            if value is None:
                continue
            value = _listed(spec, value)
        elif spec.name == "rdap_bootstrap" and value is not None:
            value = Path(value)
        values[spec.name] = value
    return base.with_values(values)


def _listed(spec: OptionSpec, items: list[str]) -> tuple[Any, ...]:
    if spec.kind == "paths":
        return tuple(Path(p) for p in items)
    if spec.kind == "weights":
        out = []
        for name, text in parse_params(items).items():
            try:
                out.append((name, float(text)))
            except ValueError as exc:
                raise TyporiskError(f"{spec.flag} {name}={text}: give a number") from exc
        return tuple(out)
    return tuple(part.strip() for part in split_csv(items) or ())
