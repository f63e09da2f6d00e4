"""Runs an ASGI app on a real uvicorn server with TLS, on a background thread."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn
from starlette.types import ASGIApp

from sandbox.tls import TlsFiles


class ServerThread:
    """One HTTPS server on 127.0.0.1 (ephemeral port unless one is given)."""

    def __init__(self, app: ASGIApp, tls: TlsFiles, *, port: int = 0, name: str = "server"):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit TCP_NODELAY; without it a response written in two parts waits
        # ~40 ms for the client's delayed ACK (Nagle).
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.bind(("127.0.0.1", port))
        self.port: int = self._sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            ssl_certfile=str(tls.server_pem),
            ssl_keyfile=str(tls.server_pem),
            log_level="warning",
            lifespan="off",
            access_log=False,
            date_header=False,  # sandbox/dateheader.py sends the sandbox clock's time instead
            timeout_keep_alive=30,
            # Hundreds of keep-alive connections from pooled clients are normal here.
            limit_concurrency=None,
            # h11 would refuse a request line over 16 KB itself (400): let the app answer 414.
            h11_max_incomplete_event_size=256 * 1024,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._sock]}, name=name, daemon=True
        )

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("sandbox server failed to start")
            if time.monotonic() > deadline:
                raise TimeoutError("sandbox server did not start in time")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._server.force_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
