"""Slowing password guessing: after a few wrong passwords for one user name, logins wait a while.

Argon2 makes each guess cost ~50 ms of server time, which still allows a million guesses a day over the
portal, ``POST /api/v1/login`` or Rucio's userpass route. Here, after ``FREE_FAILURES`` consecutive wrong
passwords for a user name, each further attempt must wait: 2 s, then 4 s, 8 s... up to ``MAX_DELAY``. A
right password within the allowance resets the count; a right password during the wait is refused too,
or the wait would tell the guesser which password was right.

The count is kept per user name (not per client address, which a guesser changes at will) in the
server's memory, one throttle per database so that servers sharing nothing share no counts. So a
restart forgets it, and several servers in front of one PostgreSQL each count on their own; an OIDC
provider, where deployments that big log users in, throttles on its side.
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from openvre.db import Database
from openvre.errors import InvalidCredentials, TooManyFailedLogins

FREE_FAILURES = 5
FIRST_DELAY = 2.0
MAX_DELAY = 300.0
MAX_TRACKED_NAMES = 10_000  # user names guessed at, kept at most; the oldest are forgotten first


@dataclass
class _Failures:
    count: int
    blocked_until: float


class LoginThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: OrderedDict[str, _Failures] = OrderedDict()
        self._lock = threading.Lock()

    @contextmanager
    def attempt(self, username: str) -> Iterator[None]:
        """Around one password check: refuses while the name must wait, counts a wrong password, forgets on success."""
        self.check(username)
        key = username.strip().lower()
        try:
            yield
        except InvalidCredentials:
            self._failed(key)
            raise
        with self._lock:
            self._failures.pop(key, None)

    def check(self, username: str) -> None:
        key = username.strip().lower()
        with self._lock:
            found = self._failures.get(key)
            wait = found.blocked_until - self._clock() if found else 0.0
        if wait > 0:
            raise TooManyFailedLogins(
                f"too many wrong passwords for {username.strip()!r}: try again in {math.ceil(wait)} s", retry_after=wait
            )

    def _failed(self, key: str) -> None:
        with self._lock:
            found = self._failures.pop(key, None) or _Failures(0, 0.0)
            found.count += 1
            beyond = found.count - FREE_FAILURES
            if beyond >= 0:
                found.blocked_until = self._clock() + min(MAX_DELAY, FIRST_DELAY * 2**beyond)
            self._failures[key] = found  # most recent last
            while len(self._failures) > MAX_TRACKED_NAMES:
                self._failures.popitem(last=False)


_THROTTLES: weakref.WeakKeyDictionary[Database, LoginThrottle] = weakref.WeakKeyDictionary()
_THROTTLES_LOCK = threading.Lock()


def throttle_for(database: Database) -> LoginThrottle:
    """The login throttle of everything this process serves from ``database`` (portal, APIs, Rucio)."""
    with _THROTTLES_LOCK:
        found = _THROTTLES.get(database)
        if found is None:
            found = _THROTTLES[database] = LoginThrottle()
        return found
