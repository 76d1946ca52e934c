"""The HTTP API.

The wire models defer building their schemas to first use (the console validates few
of them before its first paint); the server builds them all here, before any route
module wraps a model in a request body, so each is built on its own and no request
pays for a first build.
"""

from backend_client import assessment, publication, wire
from backend_client.wirebase import build_schemas

__all__ = ["assessment", "publication", "wire"]

build_schemas()
