"""The emulator's HTTPS server: cheroot serving a WSGI app on 127.0.0.1 with keep-alive and TLS.

Cheroot shakes hands in its accept loop, so one client that connects and sends nothing would stall every
other one. Here a new connection is only wrapped on accept; it waits in cheroot's selector like any idle
keep-alive connection, and a worker thread completes the handshake once the client's hello has arrived.
A WSGI app may call `environ[DROP_CONNECTION]()` to close the connection without an answer (chaos' reset).
"""

from __future__ import annotations

import logging
import select
import socket
import ssl
import threading
from contextlib import suppress
from io import DEFAULT_BUFFER_SIZE

from cheroot import wsgi
from cheroot.makefile import StreamWriter
from cheroot.server import HTTPConnection
from cheroot.ssl import Adapter
from cheroot.workers.threadpool import ThreadPool, WorkerThread

__all__ = ["DROP_CONNECTION", "HttpsServer"]

DROP_CONNECTION = "aksegress.drop_connection"
_HANDSHAKE_SECONDS = 10
_IDLE_SECONDS = 60
_WORKERS = 24
_KEEP_ALIVE_CONNECTIONS = 512
_log = logging.getLogger("aksegress.emulator.http")


class _DeferredHandshake(Adapter):
    """TLS through an existing SSLContext, with the handshake left for a worker thread."""

    def __init__(self, context: ssl.SSLContext):  # noqa: D107 - the base class insists on certificate paths
        super().__init__(None, None)
        self.context = context

    def bind(self, sock):
        return sock

    def wrap(self, sock):
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), self.get_environ()

    def get_environ(self) -> dict:
        return {"wsgi.url_scheme": "https", "HTTPS": "on"}

    def makefile(self, sock, mode="r", bufsize=DEFAULT_BUFFER_SIZE):
        return _Reader(sock, bufsize) if "r" in mode else StreamWriter(sock, mode, bufsize)


class _Reader:
    """What cheroot reads a request from: cheroot's own reader is built on the pure-Python `_pyio`, which cost more than
    the emulator's whole request handling; this one buffers in a bytearray and searches it in C."""

    def __init__(self, sock, bufsize: int = DEFAULT_BUFFER_SIZE):
        self._sock, self._size = sock, max(bufsize, DEFAULT_BUFFER_SIZE)
        self._buf = bytearray()
        self.bytes_read = 0
        self.closed = False

    def _fill(self) -> bool:
        data = self._sock.recv(self._size)
        self._buf += data
        return bool(data)

    def _take(self, count: int) -> bytes:
        data = bytes(self._buf[:count])
        del self._buf[:count]
        self.bytes_read += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        start = 0
        while True:
            end = self._buf.find(b"\n", start)
            if end >= 0 or (0 <= size <= len(self._buf)):
                return self._take(end + 1 if end >= 0 and (size < 0 or end < size) else size)
            start = len(self._buf)
            if not self._fill():
                return self._take(len(self._buf) if size < 0 else min(size, len(self._buf)))

    def read(self, size: int = -1) -> bytes:
        while (size < 0 or len(self._buf) < size) and self._fill():
            pass
        return self._take(len(self._buf) if size < 0 else min(size, len(self._buf)))

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def has_data(self) -> bool:
        return bool(self._buf)

    def close(self) -> None:
        self.closed = True


class _Connection(HTTPConnection):
    """A cheroot connection that finishes its TLS handshake first, in the worker, and is counted."""

    def __init__(self, server, sock, makefile):
        super().__init__(server, sock, makefile)
        self.handshaken = False
        server.count_connection()

    def communicate(self) -> bool:
        if not self.handshaken:
            try:
                self.socket.settimeout(_HANDSHAKE_SECONDS)
                self.socket.do_handshake()
                self.socket.settimeout(self.server.timeout)
            except (OSError, ValueError):
                return False
            self.handshaken = True
        return super().communicate()


class _Gateway(wsgi.Gateway_10):
    """WSGI 1.0 with one extra environ entry: a callable that drops the connection unanswered."""

    def get_environ(self) -> dict:
        environ = super().get_environ()
        environ[DROP_CONNECTION] = self._drop
        return environ

    def _drop(self) -> None:
        request = self.req
        request.close_connection = True
        request.sent_headers = True
        with suppress(OSError):
            request.conn.socket.shutdown(socket.SHUT_RDWR)

    def start_response(self, status, headers, exc_info=None):
        if any(k.lower() == "connection" and v.lower() == "close" for k, v in headers):
            self.req.close_connection = True
        return super().start_response(status, headers, exc_info)


class _DaemonWorkers(ThreadPool):
    """cheroot's worker pool with daemon threads, so a process that embeds the emulator can exit without stopping it.

    cheroot's workers inherit the daemon flag of the thread that starts the pool, the caller's main thread here,
    and Python waits for non-daemon threads before running atexit handlers.
    """

    def _spawn_worker(self):
        worker = WorkerThread(self.server)
        worker.name = f"aksegress-emulator worker {worker.name}"
        worker.daemon = True
        worker.start()
        return worker


class _Server(wsgi.Server):
    """cheroot's WSGI server, quiet, with fresh TLS connections parked until their hello arrives."""

    def __init__(self, port: int, app, context: ssl.SSLContext):
        super().__init__(("127.0.0.1", port), app, numthreads=_WORKERS, timeout=_IDLE_SECONDS, shutdown_timeout=2,
                         request_queue_size=64)
        self.requests = _DaemonWorkers(self, min=_WORKERS, max=-1, accepted_queue_size=-1, accepted_queue_timeout=10)
        self.ssl_adapter = _DeferredHandshake(context)
        self.ConnectionClass = _Connection
        self.gateway = _Gateway
        self.keep_alive_conn_limit = _KEEP_ALIVE_CONNECTIONS
        self.accepted = 0
        self._count_lock = threading.Lock()

    def count_connection(self) -> None:
        with self._count_lock:
            self.accepted += 1

    def process_conn(self, conn) -> None:
        if not getattr(conn, "handshaken", True) and not _readable(conn.socket):
            self.put_conn(conn)
            return
        super().process_conn(conn)

    def error_log(self, msg="", level=20, traceback=False) -> None:  # noqa: A002, FBT002 - cheroot's signature
        _log.debug("%s", msg, exc_info=traceback)


def _readable(sock) -> bool:
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


class HttpsServer:
    """One running server: `server_port`, `connections_accepted`, `shutdown()`, `server_close()`."""

    def __init__(self, app, context: ssl.SSLContext, port: int = 0):
        self._server = _Server(port, app, context)
        self._server.prepare()
        self.server_port: int = self._server.bind_addr[1]

    @property
    def connections_accepted(self) -> int:
        """TCP connections accepted since start (keep-alive makes this far smaller than the request count)."""
        return self._server.accepted

    def serve_forever(self) -> None:
        self._server.serve()

    def shutdown(self) -> None:
        self._server.stop()

    def server_close(self) -> None:
        """Nothing left to release after `shutdown()`; kept so callers can stop it like a socketserver."""
