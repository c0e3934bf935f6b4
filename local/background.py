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
    _thread: threading.Thread | None = None
    _stopping: threading.Event | None = None

    def step(self) -> None:
        raise NotImplementedError

    def on_error(self, exc: Exception) -> None:
        """Report a failed step; the loop goes on."""

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(self._stopping,), name=self.thread_name, daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """Ask the thread to finish its current step and end; ``stop()`` also waits for it."""
        if self._stopping is not None:
            self._stopping.set()

    def stop(self, timeout: float = 5.0) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

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
