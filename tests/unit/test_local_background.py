"""The background loop: one thread by default, several side by side when asked (a queue consumer, as Lambda runs)."""

from __future__ import annotations

import threading

import pytest

from local.background import BackgroundLoop


class Meeting(BackgroundLoop):
    """Each step waits at a barrier for ``parties`` steps: it passes only if that many threads run at once."""

    thread_name = "meeting"

    def __init__(self, concurrency: int, parties: int) -> None:
        self.concurrency = concurrency
        self.barrier = threading.Barrier(parties, timeout=10)
        self.names: set[str] = set()
        self.met = threading.Event()

    def step(self) -> None:
        self.names.add(threading.current_thread().name)
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            return
        self.met.set()
        self.barrier.abort()  # the others stop waiting; the loop goes on until stopped


@pytest.mark.parametrize(
    ("concurrency", "names"),
    [
        pytest.param(1, {"meeting"}, id="one thread, as before"),
        pytest.param(3, {"meeting", "meeting-2", "meeting-3"}, id="three side by side"),
    ],
)
def test_the_loop_runs_on_as_many_threads_as_asked(concurrency: int, names: set[str]) -> None:
    # GIVEN a loop whose step only completes when `concurrency` steps run at the same time
    loop = Meeting(concurrency, parties=concurrency)
    # WHEN it runs
    loop.start()
    try:
        assert loop.running
        # THEN they met: every thread was in a step at once
        assert loop.met.wait(10)
    finally:
        loop.stop()
    assert loop.names == names and not loop.running
