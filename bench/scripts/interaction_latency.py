#!/usr/bin/env python3
"""The time from ingest's answer to an interaction to the edit reaching
Discord, through the local stack: `switchboard stack` (moto, cargo lambda
watch, the poller, the Discord stand-in), then N slash commands (`/ping`,
which the shipped handlers.rs answers with an edit), one at a time. For each,
the clock starts when `switchboard send` has the deferral and stops when the
stand-in prints the edit that landed (the one after its 404 10015).

Usage: bench/scripts/interaction_latency.py [N]   (what `make bench-interactions` runs)
"""
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(ROOT, "target", "debug", "switchboard")


def main():
    subprocess.run(["cargo", "build", "--quiet", "-p", "switchboard-cli", "-p", "ingest", "-p", "processor"], cwd=ROOT, check=True)
    dev_dir = tempfile.mkdtemp(prefix="switchboard-latency-")
    stack = subprocess.Popen(
        [CLI, "--dev-dir", dev_dir, "stack", "--sqs-port", "9424", "--invoke-port", "9100", "--queue-name", "latency-events"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )
    lines = queue.Queue()

    def read():
        for line in stack.stdout:
            lines.put((time.monotonic(), line))

    threading.Thread(target=read, daemon=True).start()
    try:
        deadline = time.monotonic() + 600
        while True:
            at, line = lines.get(timeout=max(1, deadline - time.monotonic()))
            if "local stack is up" in line:
                break
        samples = []
        for _ in range(N):
            sent = subprocess.run(
                [CLI, "--dev-dir", dev_dir, "send", "APPLICATION_COMMAND", "--name", "ping"],
                cwd=ROOT, capture_output=True, text=True, check=True,
            )
            answered = time.monotonic()
            assert '{"type":5}' in sent.stdout, sent.stdout
            while True:
                at, line = lines.get(timeout=30)
                if line.startswith("discord api: PATCH @original") and '-> 200  "pong"' in line:
                    samples.append(at - answered)
                    break
        samples.sort()
        p90 = samples[int(0.9 * (len(samples) - 1))]
        print(f"{len(samples)} interactions: answer to edit median {statistics.median(samples) * 1000:.0f} ms, "
              f"p90 {p90 * 1000:.0f} ms, min {samples[0] * 1000:.0f} ms, max {samples[-1] * 1000:.0f} ms")
    finally:
        os.killpg(stack.pid, 2)
        stack.wait(timeout=60)


if __name__ == "__main__":
    main()
