"""Periodic threat reviews: Markdown and a self-contained HTML report from the store."""

from typorisk.report.render import render_html, render_markdown
from typorisk.report.review import Review, build_review

__all__ = ["Review", "build_review", "render_html", "render_markdown"]
