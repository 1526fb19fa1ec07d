"""Faults on demand, as production Azure deals them out: throttling, 5xx, dropped connections, operations
that end Failed, AnotherOperationInProgress, and requests held in flight (so a test can kill a client
mid-write). A model with no HTTP in it: the server asks it what to do with each ARM request.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

KINDS = ("throttle", "server_error", "reset", "lro_failed", "conflict")


@dataclass
class Fault:
    kind: str
    status: int = 0
    code: str = ""
    message: str = ""
    headers: dict = field(default_factory=dict)


@dataclass
class Hold:
    method: str
    arm_type: str
    seconds: float
    released: threading.Event = field(default_factory=threading.Event)
    holding: int = 0
    held: int = 0


class Chaos:
    """Decides, per request, whether to fault it; counts what it dealt."""

    def __init__(self):
        self._lock = threading.Lock()
        self.rate = 0.0
        self.kinds: tuple[str, ...] = KINDS
        self._random = random.Random(0)
        self.dealt: dict[str, int] = {}
        self.holds: list[Hold] = []

    def configure(self, rate: float, kinds=None, seed: int | None = None) -> None:
        unknown = set(kinds or ()) - set(KINDS)
        if unknown or not 0 <= rate <= 1:
            raise ValueError(f"rate must be in [0, 1] and kinds among {', '.join(KINDS)}")
        with self._lock:
            self.rate, self.kinds = rate, tuple(kinds or KINDS)
            self._random = random.Random(seed)

    def status(self) -> dict:
        with self._lock:
            return {"rate": self.rate, "kinds": list(self.kinds), "dealt": dict(self.dealt),
                    "holds": [{"method": h.method, "type": h.arm_type, "holding": h.holding, "held": h.held} for h in self.holds]}

    def decide(self, method: str, arm_type: str, long_running: bool, is_poll: bool) -> Fault | None:
        """A fault for this request, or None. POSTs are spared the faults the SDK will not retry on them."""
        with self._lock:
            if not self.rate or self._random.random() >= self.rate:
                return None
            eligible = [k for k in self.kinds if _applies(k, method, long_running, is_poll)]
            if not eligible:
                return None
            kind = self._random.choice(eligible)
            self.dealt[kind] = self.dealt.get(kind, 0) + 1
            flip = self._random.random() < 0.5
        return _fault(kind, flip)

    def add_hold(self, method: str, arm_type: str, seconds: float) -> None:
        with self._lock:
            self.holds.append(Hold(method.upper(), arm_type.lower(), seconds))

    def release_all(self) -> None:
        with self._lock:
            holds, self.holds = self.holds, []
        for hold in holds:
            hold.released.set()

    def wait_if_held(self, method: str, arm_type: str) -> None:
        """Keep a matching request in flight until released or its time is up."""
        with self._lock:
            hold = next((h for h in self.holds if h.method == method and h.arm_type == arm_type.lower()), None)
            if hold:
                hold.holding += 1
        if hold:
            hold.released.wait(hold.seconds)
            with self._lock:
                hold.holding -= 1
                hold.held += 1


def _applies(kind: str, method: str, long_running: bool, is_poll: bool) -> bool:
    write = method in ("PUT", "DELETE", "PATCH")
    if kind == "throttle" or kind == "reset":
        return method != "POST"
    if kind == "server_error":
        return True
    if kind == "lro_failed":
        return write and long_running and not is_poll
    return write and not is_poll


def _fault(kind: str, flip: bool) -> Fault:
    if kind == "throttle":
        return Fault(kind, 429, "TooManyRequests", "The request is being throttled as the limit has been reached for operation type.",
                     {"Retry-After": "1", "retry-after-ms": "20"})
    if kind == "server_error":
        return Fault(kind, 503 if flip else 500, "ServiceUnavailable" if flip else "InternalServerError",
                     "The service is temporarily unavailable. Please try again later." if flip else "Encountered internal server error.")
    if kind == "conflict":
        return Fault(kind, 409, "AnotherOperationInProgress",
                     "Another operation on this or dependent resource is in progress. Retry the request after it completes.")
    return Fault(kind)
