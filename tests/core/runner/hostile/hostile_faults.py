"""Servers that misbehave on purpose: raw sockets on 127.0.0.1, in a thread of the test process, stopped by the test.

Each fault is one way an HTTP server can hang or break a client, written with plain sockets so that nothing in
between (an HTTP framework) can soften it:

* ``silent``: accepts connections, reads what comes, never answers a byte;
* ``stall``: answers the readiness check (``/health``, ``/v1/models``), then starts every completion stream with its
  headers and one token, and never sends more;
* ``reset``: answers the readiness check, then sends a completion stream's headers and one token and resets the
  connection (RST, not a clean close).
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
from collections.abc import Iterator
from typing import Literal

__all__ = ["Fault", "FaultServer", "fault_server"]

Fault = Literal["silent", "stall", "reset"]

_MODELS = json.dumps({"object": "list", "data": [{"id": "fault-model", "object": "model"}]}).encode()
_CHUNK = json.dumps(
    {"id": "c", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "hi"}}]}
).encode()


class FaultServer:
    """A listening socket and the thread that serves it; :meth:`stop` closes every connection and joins."""

    def __init__(self, fault: Fault) -> None:
        self.fault = fault
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(256)
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stopping = threading.Event()
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, name=f"fault-{fault}", daemon=True)
        self._acceptor.start()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._connections.append(connection)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, connection: socket.socket) -> None:
        connection.settimeout(0.1)
        buffer = b""
        while not self._stopping.is_set():
            try:
                data = connection.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            if self.fault == "silent":
                continue
            buffer += data
            head, separator, rest = buffer.partition(b"\r\n\r\n")
            if not separator:
                continue
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if len(rest) < length:
                continue
            buffer = rest[length:]
            path = head.split(b" ", 2)[1]
            if not self._answer(connection, path):
                return

    def _answer(self, connection: socket.socket, path: bytes) -> bool:
        """Answer one request; ``False`` once the connection is finished with."""
        if path.startswith((b"/health", b"/v1/models")):
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                % (len(_MODELS), _MODELS)
            )
            return True
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
            + _chunked(b"data: " + _CHUNK + b"\n\n")
        )
        if self.fault == "reset":
            # SO_LINGER with a zero timeout: close() sends RST instead of FIN
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            connection.close()
            return False
        return True  # "stall": keep the connection open and send nothing more

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()
        self._acceptor.join(timeout=5)
        with self._lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.close()
        for thread in self._threads:
            thread.join(timeout=5)


def _chunked(payload: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(payload), payload)


@contextlib.contextmanager
def fault_server(fault: Fault) -> Iterator[FaultServer]:
    """A :class:`FaultServer` for the ``with`` block; stopped on the way out, whatever happened."""
    server = FaultServer(fault)
    try:
        yield server
    finally:
        server.stop()
