"""The version of typorisk: written here once. ``typorisk.__version__``, the package metadata
(``pyproject.toml`` reads this file), ``--version``, the files the writers stamp and the web
User-Agent all take it from here (this module imports nothing, so every layer may)."""

__version__ = "0.1.0"
