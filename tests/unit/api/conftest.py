"""The `api` fixture: the HTTP API on a real socket, the fake Messages API behind it."""

from tests.support.api_server import api  # noqa: F401
