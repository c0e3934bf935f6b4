"""The moto server as a child process of the platform (local/moto_server.py): started, read, stopped."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from local import moto_server

ROOT = Path(__file__).resolve().parent.parent
#: how long the child may take to import moto and bind (a busy machine; it is well under a second idle)
START_TIMEOUT_S = 60.0


class MotoStartError(Exception):
    """The child exited before it listened; ``port_in_use`` when it was the port."""

    def __init__(self, message: str, port_in_use: bool = False) -> None:
        super().__init__(message)
        self.port_in_use = port_in_use


class MotoProcess:
    """``python -m local.moto_server`` on loopback, with IAM enforced after ``unchecked`` requests.

    The child's environment is this process's plus ``INITIAL_NO_AUTH_ACTION_COUNT``: moto reads it once,
    at import, so enforcement is set at spawn (local/iam.py says why ``unchecked`` is what it is).
    A fresh child is a fresh moto: stopping it is the reset.
    """

    def __init__(
        self, host: str = "127.0.0.1", port: int = 5001, unchecked: float = float("inf"), setups: Sequence[str] = ()
    ) -> None:
        self.host = host
        self.port = port
        self.unchecked = unchecked
        self.setups = tuple(setups)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self) -> MotoProcess:
        env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(self.unchecked)}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
        args = [sys.executable, "-m", "local.moto_server", "--host", self.host, "--port", str(self.port)]
        for setup in self.setups:
            args += ["--setup", setup]
        # stdin stays open and unread by us: the child stops when it closes, so it never outlives this process
        self._process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=ROOT)
        assert self._process.stdout is not None
        line = self._process.stdout.readline().decode("utf-8", "replace").split()
        if len(line) != 3 or line[0] != moto_server.READY:
            status = self._process.wait(timeout=START_TIMEOUT_S)
            self._process = None
            raise MotoStartError(
                f"the moto server did not start (exit status {status})", status == moto_server.EXIT_PORT_IN_USE
            )
        self.host, self.port = line[1], int(line[2])
        return self

    def cpu_seconds(self) -> float | None:
        """CPU the child has used so far, user and system (Linux's /proc; None where there is none)."""
        if self._process is None:
            return None
        try:
            fields = Path(f"/proc/{self._process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        # after the command's closing parenthesis: state is field 3, utime 14 and stime 15 (proc(5))
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, timeout: float = 10.0) -> None:
        if self._process is None:
            return
        process, self._process = self._process, None
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
        for pipe in (process.stdin, process.stdout):
            if pipe is not None:
                pipe.close()
