"""A shared read is given only to callers that arrived before it began (registry.freshread)."""

from __future__ import annotations

import threading
import time
import traceback

import pytest

from registry.freshread import FreshRead


class Database:
    """A read that counts its calls and blocks until the test lets it finish."""

    def __init__(self) -> None:
        self.calls = 0
        self.started = threading.Semaphore(0)
        self.finish = threading.Semaphore(0)

    def read(self) -> int:
        self.calls += 1
        number = self.calls
        self.started.release()
        assert self.finish.acquire(timeout=10)
        return number


def _call_in_thread(shared: FreshRead[int], answers: dict[str, int], name: str) -> threading.Thread:
    thread = threading.Thread(target=lambda: answers.__setitem__(name, shared()))
    thread.start()
    return thread


def test_a_caller_arriving_during_a_read_gets_a_read_begun_after_it_arrived():
    database = Database()
    shared = FreshRead(database.read)
    answers: dict[str, int] = {}
    first = _call_in_thread(shared, answers, "first")
    assert database.started.acquire(timeout=10)  # the first read is under way
    later = _call_in_thread(shared, answers, "later")  # arrives during it: must not be given it
    time.sleep(0.05)
    database.finish.release()
    first.join(timeout=10)
    assert answers["first"] == 1
    assert database.started.acquire(timeout=10), "the later caller reads again"
    database.finish.release()
    later.join(timeout=10)
    assert answers["later"] == 2 and database.calls == 2


def test_callers_waiting_together_share_one_read():
    database = Database()
    shared = FreshRead(database.read)
    answers: dict[str, int] = {}
    first = _call_in_thread(shared, answers, "first")
    assert database.started.acquire(timeout=10)
    waiting = [_call_in_thread(shared, answers, f"waiting-{n}") for n in range(5)]
    time.sleep(0.1)  # all five hold their tickets and wait for the first read to end
    database.finish.release()
    assert database.started.acquire(timeout=10)  # one of them reads for all five
    database.finish.release()
    for thread in [first, *waiting]:
        thread.join(timeout=10)
    assert answers == {"first": 1, **{f"waiting-{n}": 2 for n in range(5)}}
    assert database.calls == 2


def test_a_failed_read_fails_the_callers_waiting_for_it_at_once_and_a_later_caller_reads_again():
    started, finish = threading.Semaphore(0), threading.Semaphore(0)
    calls = []

    def read() -> int:  # the database stops answering: every read fails, the first one slowly
        calls.append(None)
        if len(calls) == 1:
            started.release()
            assert finish.acquire(timeout=10)
        if len(calls) <= 2:
            raise TimeoutError("every pooled connection busy")
        return len(calls)

    shared = FreshRead(read)
    answers: dict[str, object] = {}

    def call(name: str) -> None:
        try:
            answers[name] = shared()
        except TimeoutError as error:
            answers[name] = error

    threads = [threading.Thread(target=call, args=("first",))]
    threads[0].start()
    assert started.acquire(timeout=10)
    threads += [threading.Thread(target=call, args=(f"waiting-{n}",)) for n in range(3)]
    for thread in threads[1:]:
        thread.start()
    time.sleep(0.1)
    finish.release()
    for thread in threads:
        thread.join(timeout=10)
    assert all(isinstance(answer, TimeoutError) for answer in answers.values()) and len(answers) == 4
    # The three that arrived during the first read share the second, and its failure: they do not
    # each wait out a read of their own, one after another.
    assert len(calls) == 2
    assert shared() == 3, "a caller arriving afterwards reads again"
    # Each waiter raised an error of its own: one object raised in several requests would carry
    # all their stacks in its traceback (and log them with each).
    errors = [answers[f"waiting-{n}"] for n in range(3)]
    assert len({id(error) for error in errors}) == 3
    assert all(len(traceback.extract_tb(error.__traceback__)) < 6 for error in errors)


def test_a_failed_read_is_its_callers_error_and_the_next_caller_reads_again():
    outcomes = iter([RuntimeError("the database went away"), 7])

    def read() -> int:
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    shared = FreshRead(read)
    with pytest.raises(RuntimeError):
        shared()
    assert shared() == 7


def test_one_caller_after_another_each_reads():
    calls = []
    shared = FreshRead(lambda: calls.append(None) or len(calls))
    assert [shared(), shared(), shared()] == [1, 2, 3]
