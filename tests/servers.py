"""Helpers of the tests that start real servers as processes."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_serving(proc: subprocess.Popen, url: str, *, timeout: float = 180, what: str = "the server") -> None:
    """Poll ``url`` until it answers 200; fail with the process's output if it dies or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else f"{what} exited"
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"{what} did not come up within {timeout:.0f} s"
        time.sleep(0.5)
