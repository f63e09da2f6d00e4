"""The remote system's clock, as its answers tell it (``Date`` headers), for windows and cursors."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime


class ServerClock:
    """Our clock corrected by the offset the latest ``Date`` header showed.

    Modification stamps are the server's: a window that ends, or a cursor that starts, at "now"
    must be the server's now, or a machine whose clock drifted (NTP trouble, a VM resumed) would
    skip changes for good. ``Date`` carries whole seconds: the end of that second is taken, so
    the estimate errs late by under a second (harmless: cursors only move to stamps actually
    read), never early. The latest answer wins, so a server clock that jumps is followed.
    """

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._offset_s: float | None = None

    def note(self, date: str | None) -> None:
        """Learn the offset from one answer's ``Date`` header (ignored when unreadable)."""
        if not date:
            return
        try:
            server = parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError, OverflowError):
            return
        if server.tzinfo is None:
            return
        offset = (server + timedelta(seconds=1) - self._clock()).total_seconds()
        with self._lock:
            self._offset_s = offset

    @property
    def known(self) -> bool:
        """Whether any answer has told the server's time yet."""
        with self._lock:
            return self._offset_s is not None

    def now(self) -> datetime:
        """The server's current time as far as its answers told (our clock until one did)."""
        with self._lock:
            offset = self._offset_s or 0.0
        return self._clock() + timedelta(seconds=offset)
