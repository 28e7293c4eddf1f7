"""``typorisk serve``: publish feed outputs over HTTP(S), the way firewalls pull external block
lists (Palo Alto EDL, Fortinet external threat feeds, Check Point, pfBlockerNG)."""

from typorisk.serve.app import FeedFiles, ServeConfig, make_app

__all__ = ["FeedFiles", "ServeConfig", "make_app"]
