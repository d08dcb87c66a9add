"""The HTTP plumbing the fake APIs share (sync/fake_okta.py, sources/fake_google.py,
sources/fake_graph.py): one place that serves them, so each fake is only the API it copies.

A fake subclasses `FakeApi`, answers GET in `_get(h)` and POST in `_post(h)` (with `h` the
request's `BaseHTTPRequestHandler`) and replies with `_send`. `with Fake(...) as fake:` serves it
on 127.0.0.1, on a free port, from a thread (a thread per request, as `ThreadingHTTPServer`
does), until the block ends; `fake.url` is where.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


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


def self_signed(directory: Path, name: str = "localhost") -> tuple[Path, Path]:
    """A key and a certificate for 127.0.0.1 and localhost (PEM files), valid for a day."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)

    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path
