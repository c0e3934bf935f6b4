"""A polling loop on a daemon thread with a clean stop: the worker, the pager inbox and the scheduler."""

from __future__ import annotations

import threading


class BackgroundLoop:
    """Calls ``step()`` over and over on a daemon thread until stopped.

    A step that raises is reported through ``on_error`` and retried a second later: a local
    component that dies silently would hide the very thing the demo is meant to show.
    """

    thread_name = "background"
    #: seconds to wait between steps (steps that long-poll need none)
    idle_seconds = 0.0
    #: threads running the loop side by side (a queue consumer may run several, as Lambda does)
    concurrency = 1
    _threads: tuple[threading.Thread, ...] = ()
    _stopping: threading.Event | None = None

    def step(self) -> None:
        raise NotImplementedError

    def on_error(self, exc: Exception) -> None:
        """Report a failed step; the loop goes on."""

    @property
    def running(self) -> bool:
        return any(thread.is_alive() for thread in self._threads)

    def start(self) -> None:
        self._stopping = threading.Event()
        names = [self.thread_name] + [f"{self.thread_name}-{n}" for n in range(2, self.concurrency + 1)]
        self._threads = tuple(
            threading.Thread(target=self._run, args=(self._stopping,), name=name, daemon=True) for name in names
        )
        for thread in self._threads:
            thread.start()

    def request_stop(self) -> None:
        """Ask the thread to finish its current step and end; ``stop()`` also waits for it."""
        if self._stopping is not None:
            self._stopping.set()

    def stop(self, timeout: float = 5.0) -> None:
        self.request_stop()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = ()

    def _run(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                self.step()
            except Exception as exc:
                if stopping.is_set():
                    return
                self.on_error(exc)
                stopping.wait(1.0)
                continue
            if self.idle_seconds:
                stopping.wait(self.idle_seconds)
