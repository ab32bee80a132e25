"""Wrong passwords in a row make the next logins for that name wait, doubling, capped; a right one forgets."""

from __future__ import annotations

import pytest

from openvre.db import Database
from openvre.errors import InvalidCredentials, TooManyFailedLogins
from openvre.identity.login_throttle import FREE_FAILURES, MAX_DELAY, LoginThrottle, throttle_for


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def wrong(throttle: LoginThrottle, name: str = "alice") -> None:
    with pytest.raises(InvalidCredentials) as raised, throttle.attempt(name):
        raise InvalidCredentials("wrong user name or password")
    assert not isinstance(raised.value, TooManyFailedLogins)


def refused(throttle: LoginThrottle, name: str = "alice") -> TooManyFailedLogins:
    with pytest.raises(TooManyFailedLogins) as raised, throttle.attempt(name):
        raise AssertionError("the password was checked although the name must wait")
    return raised.value


def right(throttle: LoginThrottle, name: str = "alice") -> None:
    with throttle.attempt(name):
        pass


def test_a_few_wrong_passwords_cost_nothing_then_the_name_waits_longer_each_time() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock)
    for _ in range(FREE_FAILURES):
        wrong(throttle)
    first = refused(throttle)
    assert first.retry_after == 2 and "try again in 2 s" in first.message and "'alice'" in first.message
    clock.now += 2.01
    wrong(throttle)
    assert refused(throttle).retry_after == 4
    clock.now += 4.01
    wrong(throttle)
    assert refused(throttle).retry_after == 8


def test_the_wait_is_capped() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock)
    for _ in range(FREE_FAILURES + 20):
        wrong(throttle)
        clock.now += MAX_DELAY + 1
    wrong(throttle)
    assert refused(throttle).retry_after == MAX_DELAY


def test_a_right_password_while_waiting_is_refused_too_and_afterwards_forgets_the_count() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock)
    for _ in range(FREE_FAILURES):
        wrong(throttle)
    refused(throttle)  # the right password would be refused the same way: the guesser learns nothing
    clock.now += 2.01
    right(throttle)
    for _ in range(FREE_FAILURES):
        wrong(throttle)  # a fresh allowance
    refused(throttle)


def test_names_are_counted_apart_and_case_blind() -> None:
    throttle = LoginThrottle(Clock())
    for _ in range(FREE_FAILURES):
        wrong(throttle, "Alice ")
    refused(throttle, "alice")
    right(throttle, "bob")
    wrong(throttle, "bob")


def test_each_database_has_its_own_throttle(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Servers (and tests) that share no database share no counts; the portal and the APIs of one do."""
    first, second = Database(f"sqlite:///{tmp_path}/a.db"), Database(f"sqlite:///{tmp_path}/b.db")
    for _ in range(FREE_FAILURES):
        wrong(throttle_for(first))
    refused(throttle_for(first))
    right(throttle_for(second))
