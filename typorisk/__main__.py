"""``python -m typorisk``."""

from typorisk.cli import console

console()
