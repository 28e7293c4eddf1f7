"""Periodic threat reviews for people: HTML (print-friendly), Markdown and PDF from the store."""

from typorisk.report.actions import Actions, plan
from typorisk.report.pdf import print_pdf
from typorisk.report.render import render_html, render_markdown
from typorisk.report.review import Review, WatchHit, build_review

__all__ = [
    "Actions",
    "Review",
    "WatchHit",
    "build_review",
    "plan",
    "print_pdf",
    "render_html",
    "render_markdown",
]
