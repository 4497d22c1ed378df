"""A process that saves sessions in a loop, for the durability tests (which kill it with SIGKILL
at random moments) and the concurrency test (two of them at once).

    python -m tests.store_worker URL HOME ATHLETE COUNT SEED [GO_FILE]

Prints `ready` once the store is open (and, given GO_FILE, waits up to a minute for that file to
exist, so two workers start saving at the same moment), then `begin K` before and `done ID` after each save.
Every session keeps 6 noisy JPEG thumbnails (tens of kB each) and every other one a 2 MB
"video", so a good part of each save is file writing and fsync, where a kill is most harmful.
Its notes say how many files it must have, so a checker can tell a complete session."""

import datetime as dt
import os
import sys
import time

import numpy as np

from formcheck.sessions import jpeg
from formcheck.store import NewSession, Store
from tests.stored import scored_report


def main(url: str, home: str, athlete: str, count: int, seed: int, go_file: str | None = None) -> None:
    rng = np.random.default_rng(seed)
    video = None
    with Store(url=url, home=home) as store:
        print("ready", flush=True)
        deadline = time.monotonic() + 60
        while go_file and not os.path.exists(go_file) and time.monotonic() < deadline:
            time.sleep(0.01)
        for k in range(count):
            thumbs = {10 * i: jpeg(rng.integers(0, 256, (200, 300, 3), dtype=np.uint8)) for i in range(6)}
            if k % 2:
                video = f"{home}/.worker_{seed}.mp4"
                with open(video, "wb") as f:
                    f.write(rng.bytes(2 << 20))
            report = scored_report(n_reps=4, faults=(("forward_lean", "warn", 0), ("depth_shallow", "fault", k % 4)),
                                   seed=seed * 1000 + k)
            print(f"begin {k}", flush=True)
            saved = store.save(NewSession(athlete, report, dt.date(2026, 11, 1) + dt.timedelta(days=k % 28),
                                          load_value=100.0 + k, load_unit="kg",
                                          notes=f"files={6 + (k % 2)} worker={seed} k={k}", thumbnails=thumbs,
                                          video=video if k % 2 else None))
            print(f"done {saved.id}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), *sys.argv[6:7])
