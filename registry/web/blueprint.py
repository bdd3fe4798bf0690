"""The ``web`` blueprint: every page, its templates (``templates/web``) and its assets (``/assets``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)
