"""Load drill: 50 concurrent clients doing ranged downloads for 20 seconds.

The portal runs as its own process (as in production); every response must be 206 with
exactly the requested bytes of the published file. Bounded in time; stops by itself.
"""

from __future__ import annotations

import http.client
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

CLIENTS = 50
SECONDS = 20.0
DATA = "data/part-00000.parquet"
REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_fifty_clients_ranged_downloads_zero_errors(world, tmp_path: Path) -> None:
    version = world.published["hemtjanst"]
    path = world.store / "open" / "hemtjanst" / version / DATA
    content = path.read_bytes()
    url = f"/files/open/hemtjanst/{version}/{DATA}"
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipelines.cli.main",
            "-q",
            "serve",
            "--port",
            str(port),
            "--store",
            str(world.store),
            "--access-db",
            f"sqlite:///{tmp_path / 'access.sqlite'}",
        ],
        env=os.environ | {"PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "portal did not start"
                time.sleep(0.1)
        errors: list[str] = []
        verified = [0]
        lock = threading.Lock()
        stop_at = time.monotonic() + SECONDS

        def client(seed: int) -> None:
            rng = random.Random(seed)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while time.monotonic() < stop_at:
                start = rng.randrange(len(content))
                end = min(len(content) - 1, start + rng.randrange(1, 64 * 1024))
                try:
                    conn.request("GET", url, headers={"Range": f"bytes={start}-{end}"})
                    response = conn.getresponse()
                    body = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    with lock:
                        errors.append(f"client {seed}: {type(exc).__name__}")
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    continue
                with lock:
                    if response.status != 206 or body != content[start : end + 1]:
                        errors.append(f"client {seed}: status {response.status}, wrong bytes")
                    else:
                        verified[0] += len(body)
            conn.close()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=SECONDS + 60)
        assert not any(t.is_alive() for t in threads)
        assert errors == []
        assert verified[0] > len(content)  # the drill moved real data
        print(
            f"load drill: {CLIENTS} clients, {SECONDS:.0f} s, {verified[0] / 1e6:.1f} MB verified"
        )
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
