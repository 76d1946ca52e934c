"""ASGI entry point for uvicorn (``backend.asgi:app``); settings come from the environment."""

from backend.main import create_app

app = create_app()
