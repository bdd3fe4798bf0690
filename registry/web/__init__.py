"""The pages: server-rendered, over the same services as the API."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the pages (filled in by the web package)."""
