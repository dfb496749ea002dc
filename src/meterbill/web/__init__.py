"""The web UI for the people who build pricing: server-rendered pages over the services."""

from meterbill.web.app import create_web_app

__all__ = ["create_web_app"]
