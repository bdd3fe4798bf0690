"""A read shared by the requests that were waiting for it, and never by one that arrived after it began."""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class FreshRead(Generic[T]):
    """Call ``read`` for each caller, letting callers that arrived before a call began share it.

    A caller is only ever given the result of a call that started after the caller arrived, so it
    sees everything committed before it arrived, exactly as a call of its own would. Calls run one
    at a time: the callers that arrive while one is under way wait, and the first of them makes one
    call for all of them. Under load a worker then makes one round trip to the database for each
    round trip's worth of requests, not one for each request.

    A call that raises gives its error to the callers it would have answered: those waiting for it
    fail with it at once, instead of each trying again in turn (behind a database that does not
    answer, each would wait out its own timeout, one after another). A caller that arrives after
    the failed call began calls again.
    """

    def __init__(self, read: Callable[[], T]) -> None:
        self._read = read
        self._lock = threading.Lock()
        self._tickets = itertools.count()  # each caller's place in order of arrival
        self._covered = 0  # callers with a lower ticket arrived before the last call began
        self._value: T | None = None
        self._error: Exception | None = None  # what the last call raised, if it raised

    def __call__(self) -> T:
        ticket = next(self._tickets)
        with self._lock:
            if ticket < self._covered:
                if self._error is not None:
                    raise _detached(self._error)
                return self._value  # type: ignore[return-value]  # set with _covered
            covered = next(self._tickets)  # every ticket below it was given out before this call begins
            try:
                value = self._read()
            except Exception as error:
                self._error, self._covered = _detached(error), covered
                raise
            self._value, self._error, self._covered = value, None, covered
            return value


def _detached(error: Exception) -> Exception:
    """A copy of ``error`` (and of its cause) without a traceback, for another caller to raise.

    Raising one exception object in several requests would pile each one's frames onto its
    traceback, log other requests' stacks with it, and keep their frames alive.
    """
    try:
        copied = copy.copy(error)
        cause = error.__cause__
        copied.__cause__ = copy.copy(cause) if isinstance(cause, BaseException) else None
    except Exception:  # an exception that cannot be rebuilt from its arguments: share it as it is
        return error
    return copied
