"""``typorisk serve``: publish feed outputs over HTTP(S), the way firewalls pull external block
lists (Palo Alto EDL, Fortinet external threat feeds, Check Point, pfBlockerNG)."""

from typorisk.serve.app import FeedFiles, ServeConfig, make_app
from typorisk.serve.guard import ConnectionGuard, ConnectionLimits
from typorisk.serve.server import serve_until

__all__ = [
    "ConnectionGuard",
    "ConnectionLimits",
    "FeedFiles",
    "ServeConfig",
    "make_app",
    "serve_until",
]
