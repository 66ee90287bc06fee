"""A sliding-window request counter, the way Ordergroove throttles bulk product calls."""

from __future__ import annotations

import math
import time
from collections import deque
from email.utils import formatdate


class SlidingWindow:
    """Admits at most `limit` requests in any `window_seconds`; refusals say how long to wait."""

    def __init__(self, limit: int, window_seconds: float = 60.0) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._admitted: deque[float] = deque()

    def admit(self, now: float | None = None) -> float | None:
        """None when the request is admitted, else the seconds until a slot frees up."""
        now = time.monotonic() if now is None else now
        horizon = now - self.window_seconds
        while self._admitted and self._admitted[0] <= horizon:
            self._admitted.popleft()
        if len(self._admitted) < self.limit:
            self._admitted.append(now)
            return None
        return self._admitted[0] - horizon

    @staticmethod
    def retry_after_header(wait: float, *, as_date: bool = False) -> str:
        """HTTP Retry-After takes whole seconds or an HTTP-date (RFC 9110 §10.2.3; Ordergroove's
        docs do not say which it sends); round up so a client that obeys is admitted."""
        seconds = max(1, math.ceil(wait))
        if as_date:
            return formatdate(time.time() + seconds + 1, usegmt=True)
        return str(seconds)
