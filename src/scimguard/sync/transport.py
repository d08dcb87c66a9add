"""The HTTP under the SCIM client (sync/client.py): one request, its answer as bytes.

aiohttp rather than httpx (which the sources use): a resync waits on the target's cursor
pages one after another, and its engine is busy between them; against the emulator a page of
100 users costs the client 0.31 ms of CPU with aiohttp, 1.04 ms with httpx and 0.76 ms with
httpcore alone (bench/RESULTS.md, issue 18). What the client needs is small: a method, a URL
sent exactly as built (a bare `?cursor`, a filter's escapes), fixed headers, a body of bytes, no
redirects, no cookies, a timeout, certificates verified for anything but plain `http`.
"""

from __future__ import annotations

import asyncio
import os
import re
import ssl
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import aiohttp
import certifi
from yarl import URL

# What a request can fail with before any answer: refused, reset, cut short, timed out.
TRANSPORT_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError)
# What a request line cannot carry: percent-escaped, as httpx did (an id the target gave with
# a space in it); everything else, escapes included, is sent as written.
_UNSENDABLE = re.compile('[\x00-\x20"<>\x7f-\U0010ffff]')


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # names lower-cased
    body: bytes


class Transport:
    """A pool of keep-alive connections to one target, opened in the running event loop on
    the first request (a client may be built before the loop runs)."""

    def __init__(
        self, base_url: str, headers: dict[str, str], *, timeout: float, connections: int
    ) -> None:
        self.headers = headers
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.connections = connections
        # Plain HTTP (an emulator) needs no certificates; anything else verifies them.
        self.verify = urlsplit(base_url).scheme.lower() != "http"
        self._session: aiohttp.ClientSession | None = None
        self.proxy = _proxy(base_url)

    def _open(self) -> aiohttp.ClientSession:
        context = _verifying_context() if self.verify else None
        return aiohttp.ClientSession(
            headers=self.headers,
            timeout=self.timeout,
            connector=aiohttp.TCPConnector(limit=self.connections, ssl=context or False),
            cookie_jar=aiohttp.DummyCookieJar(),
            # Not trust_env: aiohttp would then look for a .netrc in a thread before every
            # request, and the request would wait for it. The proxy is read once (`_proxy`).
            trust_env=False,
        )

    async def request(self, method: str, url: str, content: bytes | None) -> Answer:
        """Raises one of `TRANSPORT_ERRORS` when no answer came."""
        if self._session is None:
            self._session = self._open()
        sent = URL(_UNSENDABLE.sub(_escape, url), encoded=True)
        async with self._session.request(
            method, sent, data=content, allow_redirects=False, proxy=self.proxy
        ) as response:
            body = await response.read()
            return Answer(response.status, _headers(response), body)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _verifying_context() -> ssl.SSLContext:
    """The certificates httpx would trust: `SSL_CERT_FILE` or `SSL_CERT_DIR` when set (a
    company's own authority, a proxy that inspects TLS), else certifi's bundle."""
    if cafile := os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=cafile)
    if capath := os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=capath)
    return ssl.create_default_context(cafile=certifi.where())


def _proxy(base_url: str) -> str | None:
    """The proxy for the target from the environment (`HTTPS_PROXY`, `HTTP_PROXY`, else
    `ALL_PROXY`; none when `NO_PROXY` covers the host), read once, as httpx did."""
    parts = urlsplit(base_url)
    if parts.hostname is None or urllib.request.proxy_bypass(parts.hostname):
        return None
    proxies = urllib.request.getproxies()
    return proxies.get(parts.scheme.lower()) or proxies.get("all")


def _headers(response: aiohttp.ClientResponse) -> dict[str, str]:
    """The answer's headers by lower-cased name; one repeated is joined with ", " (as httpx
    gave them), not the last one alone."""
    headers: dict[str, str] = {}
    for name, value in response.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def _escape(match: re.Match[str]) -> str:
    return quote(match.group(), safe="")
