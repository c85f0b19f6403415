"""Class codes, teacher keys and the gate that meters their lookups (no database, no Streamlit).

- A class's **code** is ``CODE_LENGTH`` characters from ``ALPHABET``: no look-alikes such as
  0/O, 1/I/L, 2/Z, 5/S, 8/B, 6/G; typed with a dash or a space (:func:`normal_code`), read
  aloud in two halves (:func:`shown_code`).
- A **teacher key** is ``secrets.token_urlsafe(32)``; only its SHA-256 (:func:`key_hash`) is
  stored (dashboard.classstore compares it in constant time).
- :class:`Gate` meters lookups of class codes and teacher keys, so codes cannot be guessed fast.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time

ALPHABET = "ACDEFHJKMNPRTUVWXY3479"  # easy to read aloud and to type: no look-alike pairs
CODE_LENGTH = 6  # 22**6 = 113 million codes
CODE_RE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")
KEY_RE = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32): 256 random bits


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def new_key() -> str:
    return secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def normal_code(text: str) -> str | None:
    """A class code as typed ('acd-479', 'ACD 479') in its stored form, or None if it cannot
    be one."""
    code = re.sub(r"[\s-]", "", str(text)).upper()
    return code if CODE_RE.fullmatch(code) else None


def shown_code(code: str) -> str:
    """ACD479 -> ACD-479: read aloud in two halves."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


# ---------------------------------------------------------------------- guessing codes
LOOKUP_SPACING = 0.02  # lookups let through one after another, at most 50 per second
MISS_COST = 1.0  # a wrong code or key holds every next lookup back by this much (1 per second)
MAX_WAIT = 4.0  # a lookup that would wait longer is refused: at most 200 queued at once
SESSION_PENALTY = 1.0  # a session's own wait after its n-th miss: this x 2**(n-1) ...
SESSION_PENALTY_CAP = 30.0  # ... up to this


class Gate:
    """Meters the lookups of class codes and teacher keys on one server, so that codes cannot
    be guessed quickly: every lookup waits its turn (``LOOKUP_SPACING`` apart: a class of 60
    joining at once waits about a second), and every miss pushes all later turns back by
    ``MISS_COST``; when the queue is ``MAX_WAIT`` long, lookups are refused. So guesses fired
    all at once get at most MAX_WAIT / LOOKUP_SPACING turns (their misses are known only
    after), and then the misses' debt holds everyone back: on average at most one wrong
    guess a second, however many sessions make them. The session that missed also waits its
    own penalty, doubling with each of its misses. Thread-safe; time is injectable."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def turn(self) -> float | None:
        """Seconds this lookup must wait for its turn, or None: refused, the queue is full."""
        with self._lock:
            now = self._clock()
            at = max(now, self._next)
            if at - now > MAX_WAIT:
                return None
            self._next = at + LOOKUP_SPACING
            return at - now

    def miss(self, misses_in_session: int) -> float:
        """Record a wrong code or key; returns the seconds the missing session waits."""
        with self._lock:
            self._next = max(self._next, self._clock()) + MISS_COST
        return min(SESSION_PENALTY * 2 ** max(misses_in_session - 1, 0), SESSION_PENALTY_CAP)
