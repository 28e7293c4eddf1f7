"""Line-aware, safe reading of small YAML documents: the checker behind feed definitions.

:class:`Checker` composes a document with PyYAML's ``SafeLoader`` (node tree with line marks; no
Python objects are built from tags), refuses anchors and aliases (YAML bombs) and huge trees, and
offers typed accessors that record a :class:`Problem` (file, line, column, what is expected)
instead of stopping at the first mistake.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

T = TypeVar("T")
MAX_NODES = 20_000
"""Largest number of YAML nodes accepted in one document."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a file; lines and columns count from 1 (0: the whole file)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"{node.tag.rsplit(':', 1)[-1]} {node.value!r}"


def _as_float(value: object) -> float | None:
    """A YAML number as float; strings like ``1e-5`` count (YAML 1.1 reads them as strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


class Checker:
    """Collects problems while reading one document; each accessor returns ``None`` when the
    node is absent (``None``) or wrong (and then records why)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self._constructor = SafeConstructor()

    def problem(self, node: yaml.Node | None, message: str) -> None:
        """Record ``message`` at ``node``'s position (the whole file when ``None``)."""
        line, column = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (0, 0)
        self.problems.append(Problem(self.file, line, column, message))

    def compose(self, data: bytes) -> yaml.Node | None:
        """The document's node tree, or ``None`` with a problem recorded."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self.problems.append(Problem(self.file, line, 1, "not UTF-8 text"))
            return None
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
            message = f"not valid YAML: {exc.problem or exc.context}"
            self.problems.append(Problem(self.file, line, column, message))
            return None
        except (yaml.YAMLError, RecursionError) as exc:
            self.problem(None, f"not valid YAML: {type(exc).__name__}: nested too deeply?")
            return None
        if root is not None and not self._plain_tree(root):
            return None
        return root

    def _plain_tree(self, root: yaml.Node) -> bool:
        """Refuse aliases (a node reached twice) and trees over :data:`MAX_NODES` nodes."""
        seen: set[int] = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                self.problem(node, "anchors and aliases (&name, *name) are not allowed here")
                return False
            seen.add(id(node))
            if len(seen) > MAX_NODES:
                self.problem(node, f"more than {MAX_NODES} YAML nodes: not a feed definition")
                return False
            if isinstance(node, yaml.MappingNode):
                stack.extend(n for pair in node.value for n in pair)
            elif isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
        return True

    def mapping(
        self,
        node: yaml.Node | None,
        where: str,
        keys: dict[str, str],
        required: tuple[str, ...] = (),
    ) -> dict[str, yaml.Node] | None:
        """The mapping's values by key; unknown, duplicate and missing keys are problems."""
        if node is None:
            return None
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{where}: expected a mapping, got {_kind(node)}")
            return None
        found: dict[str, yaml.Node] = {}
        for key_node, value in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str) or key not in keys:
                known = ", ".join(f"{k} ({h})" for k, h in keys.items())
                self.problem(key_node, f"{where}: unknown key {key!r}; expected one of: {known}")
            elif key in found:
                self.problem(key_node, f"{where}: key {key!r} given twice")
            else:
                found[key] = value
        for key in required:
            if key not in found:
                self.problem(node, f"{where}: missing key {key!r} ({keys[key]})")
        return found

    def items(
        self,
        node: yaml.Node | None,
        where: str,
        item: Callable[[Checker, yaml.Node, str], T | None],
        minimum: int = 0,
    ) -> list[T]:
        """``item`` applied to each element of a list (absent: empty list)."""
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{where}: expected a list, got {_kind(node)}")
            return []
        if len(node.value) < minimum:
            self.problem(node, f"{where}: expected at least {minimum} item(s)")
        out = [item(self, child, f"{where}[{i}]") for i, child in enumerate(node.value)]
        return [x for x in out if x is not None]

    def _scalar(self, node: yaml.Node, where: str, expected: str) -> object:
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{where}: expected {expected}, got {_kind(node)}")
            return None
        try:
            return self._constructor.construct_object(node)
        except (ConstructorError, ValueError) as exc:
            self.problem(node, f"{where}: expected {expected}: {exc}")
            return None

    def string(self, node: yaml.Node | None, where: str, pattern: str | None = None) -> str | None:
        """A string (matching ``pattern`` entirely when given)."""
        if node is None:
            return None
        value = self._scalar(node, where, "a string")
        if not isinstance(value, str) or (pattern and not re.fullmatch(pattern, value)):
            shape = f" matching {pattern}" if pattern else ""
            self.problem(node, f"{where}: expected a string{shape}, got {_kind(node)}")
            return None
        return value

    def boolean(self, node: yaml.Node | None, where: str) -> bool | None:
        """``true`` or ``false``."""
        if node is None:
            return None
        value = self._scalar(node, where, "true or false")
        if not isinstance(value, bool):
            self.problem(node, f"{where}: expected true or false, got {_kind(node)}")
            return None
        return value

    def integer(
        self, node: yaml.Node | None, where: str, low: int | None = None, high: int | None = None
    ) -> int | None:
        """A whole number in [``low``, ``high``]."""
        if node is None:
            return None
        value = self._scalar(node, where, "a whole number")
        ok = isinstance(value, int) and not isinstance(value, bool)
        if not ok or (low is not None and value < low) or (high is not None and value > high):  # type: ignore[operator]
            bounds = f" in [{low}, {'∞' if high is None else high}]" if low is not None else ""
            self.problem(node, f"{where}: expected a whole number{bounds}, got {_kind(node)}")
            return None
        return value  # type: ignore[return-value]

    def number(
        self,
        node: yaml.Node | None,
        where: str,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
    ) -> float | None:
        """A finite number in the range (``1e-5`` written without a dot is accepted too)."""
        if node is None:
            return None
        value = self._scalar(node, where, "a number")
        number = _as_float(value)
        bad = number is None or not math.isfinite(number)
        bad = bad or (low is not None and (number < low or (low_open and number == low)))  # type: ignore[operator]
        bad = bad or (high is not None and number > high)  # type: ignore[operator]
        if bad:
            lo = "(" if low_open else "["
            bounds = f" in {lo}{low}, {'∞' if high is None else high}]" if low is not None else ""
            self.problem(node, f"{where}: expected a number{bounds}, got {_kind(node)}")
            return None
        return number

    def choice(self, node: yaml.Node | None, where: str, choices: tuple[str, ...]) -> str | None:
        """One of ``choices``."""
        value = self.string(node, where)
        if value is not None and value not in choices:
            self.problem(node, f"{where}: {value!r} is not one of: {', '.join(choices)}")
            return None
        return value

    def setting(
        self, node: yaml.Node, where: str, kind: str, choices: tuple[str, ...]
    ) -> object | None:
        """A format setting of ``kind`` (see :class:`typorisk.writers.formats.Setting`)."""
        if kind == "bool":
            return self.boolean(node, where)
        if kind == "int":
            return self.integer(node, where, low=0)
        if kind == "float":
            return self.number(node, where)
        if kind in ("names", "columns"):
            pattern = r"[a-z0-9.-]{1,253}" if kind == "names" else r"[a-z_]{1,40}"
            values = self.items(node, where, lambda c, n, w: c.string(n, w, pattern=pattern))
            return values if isinstance(node, yaml.SequenceNode) else None
        if choices:
            return self.choice(node, where, choices)
        return self.string(node, where, pattern=r"[^\x00-\x1f\x7f]*")
