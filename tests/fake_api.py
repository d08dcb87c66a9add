"""The HTTP plumbing the fake APIs share (sync/fake_okta.py, sources/fake_google.py,
sources/fake_graph.py): one place that serves them, so each fake is only the API it copies.

A fake subclasses `FakeApi`, answers GET in `_get(h)` and POST in `_post(h)` (with `h` the
request's `BaseHTTPRequestHandler`) and replies with `_send`. `with Fake(...) as fake:` serves it
on 127.0.0.1, on a free port, from a thread (a thread per request, as `ThreadingHTTPServer`
does), until the block ends; `fake.url` is where.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class FakeApi:
    """A fake HTTP API with JSON answers; the class attributes say how it speaks."""

    content_type = "application/json"  # of every answer
    protocol_version = "HTTP/1.0"  # http.server's default: one request a connection
    _server: ThreadingHTTPServer | None = None
    _scheme = "http"

    def _get(self, h: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    def _post(self, h: BaseHTTPRequestHandler) -> None:
        raise NotImplementedError

    def _tls(self) -> ssl.SSLContext | None:
        """The server's TLS context if the real API is HTTPS only; None serves plain HTTP."""
        return None

    def __enter__(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = fake.protocol_version

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake._get(self)

            def do_POST(self) -> None:
                fake._post(self)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = self._tls()
        if context is not None:
            server.socket = context.wrap_socket(server.socket, server_side=True)
            self._scheme = "https"
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"{self._scheme}://127.0.0.1:{self._server.server_address[1]}"

    def _send(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        body: Any,
        headers: Iterable[tuple[str, str]] = (),
    ) -> None:
        """`body` as JSON, with its type and length, then `headers` in their order."""
        data = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", self.content_type)
        h.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(data)
