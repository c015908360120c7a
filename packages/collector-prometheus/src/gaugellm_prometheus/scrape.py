"""One keep-alive HTTP/1.1 connection per plain-http ``/metrics``: a scrape costs the runner's process a fraction
of what a general HTTP client costs (measured in docs/collectors.md), and a collector samples on the runner's own
event loop, beside the load. ``https`` URLs go through httpx, which does TLS, proxies and redirects properly.

Only what a metrics page needs: ``GET``, a body sized by ``Content-Length`` or sent chunked (or until the server
closes), no compression asked for. Anything else is an error the collector counts like any failed scrape.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

__all__ = ["PlainGet", "ScrapeError"]

#: The most bytes of headers a response may send.
MAX_HEADER_BYTES = 64 * 1024


class ScrapeError(Exception):
    """One scrape failed (the runner counts it; the run goes on)."""


class PlainGet:
    """``GET`` one plain-http URL again and again over one connection (opened again when the server closed it)."""

    def __init__(self, url: str, headers: dict[str, str], max_bytes: int) -> None:
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc.rpartition('@')[2]}", "Connection: keep-alive"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.max_bytes = max_bytes
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, timeout_s: float) -> tuple[int, bytes]:
        """``(status, body)``; a :class:`ScrapeError` for a failure of the connection or of the response's form."""
        try:
            return await asyncio.wait_for(self._get(), timeout_s)
        except TimeoutError:
            self.close()
            raise ScrapeError(f"no answer within {timeout_s:g} s") from None
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as exc:
            self.close()
            raise ScrapeError(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__) from None

    async def _get(self) -> tuple[int, bytes]:
        fresh = self._streams is None
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port, limit=MAX_HEADER_BYTES)
        reader, writer = self._streams
        writer.write(self.request)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            if fresh:
                raise
            self.close()  # the server closed an idle keep-alive connection: once more on a new one
            return await self._get()
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(None, 2)[1])
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            length = int(headers["content-length"])
            if length > self.max_bytes:
                raise ValueError(f"the exposition is larger than {self.max_bytes} bytes")
            body = await reader.readexactly(length)
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = await self._chunks(reader)
        else:
            body = await reader.read(self.max_bytes + 1)
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        if len(body) > self.max_bytes:
            raise ValueError(f"the exposition is larger than {self.max_bytes} bytes")
        return status, body

    async def _chunks(self, reader: asyncio.StreamReader) -> bytes:
        parts: list[bytes] = []
        size = 0
        while True:
            length = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0].strip(), 16)
            if length == 0:
                await reader.readuntil(b"\r\n")  # the end of the (empty) trailer
                return b"".join(parts)
            size += length
            if size > self.max_bytes:
                raise ValueError(f"the exposition is larger than {self.max_bytes} bytes")
            parts.append(await reader.readexactly(length))
            await reader.readexactly(2)

    def close(self) -> None:
        streams, self._streams = self._streams, None
        if streams is not None:
            streams[1].close()
