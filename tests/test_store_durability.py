"""Durability of the session store, on a real SQLite file and a real PostgreSQL server.

kill -9: a worker process (tests/store_worker.py) saves sessions in a loop; the test reads its
progress and sends SIGKILL a random 0-80 ms after it announced the start of a randomly chosen
save, so most kills land inside a save (writing thumbnails, fsync, rename, commit). After every
kill: the database passes its integrity check, every save the worker saw finish is there, every
session present is complete (report checksum, fault rows, every file with its size and sha256),
and at most one unreferenced folder (the killed save's) is left, which sweep() removes.

Concurrency: two processes open the same brand-new database at once (both upgrade the schema),
wait for a common start signal and save sessions for the same new athlete; nothing is lost, the
athlete exists once, and their commits interleave.

Measured counts go to artifacts/durability_<backend>.json (quoted in docs/store.md).
"""

import json
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from formcheck.store import Store
from tests import pg

REPO = Path(__file__).resolve().parent.parent
ITERATIONS = 12
SAVES_PER_WORKER = 8


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    yield from pg.database_url(request.param, tmp_path)


def _worker(url, home, athlete, count, seed, go_file=None):
    argv = [sys.executable, "-m", "tests.store_worker", url, str(home), athlete, str(count), str(seed)]
    return subprocess.Popen(argv + ([str(go_file)] if go_file else []), cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def _read_line(proc, deadline_s=60.0) -> str:
    ready, _, _ = select.select([proc.stdout], [], [], deadline_s)
    if not ready:
        proc.kill()
        pytest.fail("the store worker printed nothing for a minute")
    line = proc.stdout.readline().decode().strip()
    if not line:
        proc.wait()
        pytest.fail(f"the store worker ended early: {proc.stderr.read().decode()[-2000:]}")
    return line


def _complete(store) -> list[str]:
    """Problems with any session: the store's own checks, plus the file count its notes promise."""
    problems = store.check()
    for record in store.sessions():
        promised = int(record.notes.split()[0].split("=")[1])
        if len(store.files(record.id)) != promised:
            problems.append(f"session {record.id}: {len(store.files(record.id))} files of {promised}")
    return problems


def _record(url, name, stats):
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    out = REPO / "artifacts" / f"{name}_{backend}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(stats, indent=1))


def test_kill_9_mid_save_never_corrupts_or_half_saves(url, tmp_path):
    rng = random.Random(5155)
    home = tmp_path / "home"
    Store(url=url, home=home).close()
    acknowledged: set[int] = set()
    stats = {"iterations": ITERATIONS, "kills": 0, "kills_inside_a_save": 0, "saves_acknowledged": 0,
             "killed_saves_committed": 0, "killed_saves_rolled_back": 0, "orphan_folders_swept": 0, "problems": []}
    started = time.monotonic()
    for i in range(ITERATIONS):
        proc = _worker(url, home, f"Lifter {i % 3}", 50, i)
        assert _read_line(proc) == "ready"
        target = rng.randrange(0, 4)
        last = "ready"
        while last != f"begin {target}":
            last = _read_line(proc)
            if last.startswith("done "):
                acknowledged.add(int(last.split()[1]))
        time.sleep(rng.uniform(0, 0.08))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        stats["kills"] += 1
        tail = proc.stdout.read().decode().split("\n")
        for line in tail:
            if line.startswith("done "):
                acknowledged.add(int(line.split()[1]))
                last = line
            elif line.startswith("begin "):
                last = line
        inside = last.startswith("begin ")
        stats["kills_inside_a_save"] += inside
        with Store(url=url, home=home) as store:
            problems = _complete(store)
            present = {r.id for r in store.sessions()}
            orphans = store.orphans()
        stats["problems"] += problems
        assert problems == [], problems
        assert acknowledged <= present, f"acknowledged saves lost: {sorted(acknowledged - present)}"
        unacknowledged = present - acknowledged
        assert len(unacknowledged) <= 1 and (inside or not unacknowledged)
        if inside:
            stats["killed_saves_committed" if unacknowledged else "killed_saves_rolled_back"] += 1
        acknowledged |= unacknowledged  # committed before the kill, only its "done" line was lost
        assert len(orphans) <= 1, orphans  # only the killed save's folder, never a committed one's
        stats["orphan_folders_swept"] += len(orphans)
        with Store(url=url, home=home) as store:
            store.sweep(min_age_s=0)
            assert store.orphans() == [] and _complete(store) == []
    stats["saves_acknowledged"] = len(acknowledged)
    stats["seconds"] = round(time.monotonic() - started, 1)
    _record(url, "durability", stats)
    assert stats["kills_inside_a_save"] >= ITERATIONS // 2  # the test really hit saves in flight


def test_two_processes_saving_at_once_lose_nothing(url, tmp_path):
    home = tmp_path / "home"  # a brand-new database: both processes also race to create the schema
    go = tmp_path / "go"
    workers = [_worker(url, home, "Shared Lifter", SAVES_PER_WORKER, seed, go) for seed in (1, 2)]
    for proc in workers:  # both have opened (and so upgraded) the database
        assert _read_line(proc) == "ready"
    go.touch()  # and now both save at once
    done = []
    for proc in workers:
        try:
            out, err = proc.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            for p in workers:
                p.kill()
            pytest.fail("a store worker hung")
        assert proc.returncode == 0, err.decode()[-2000:]
        done += [int(line.split()[1]) for line in out.decode().splitlines() if line.startswith("done ")]
    with Store(url=url, home=home) as store:
        records = store.sessions()
        assert sorted(done) == sorted(r.id for r in records) and len(done) == 2 * SAVES_PER_WORKER
        assert store.athletes() == ["Shared Lifter"]
        assert sorted(r.notes.split()[1] for r in records) == ["worker=1"] * SAVES_PER_WORKER + ["worker=2"] * SAVES_PER_WORKER
        assert _complete(store) == [] and store.orphans() == []
    order = [r.notes.split()[1] for r in sorted(records, key=lambda r: r.id)]
    switches = sum(a != b for a, b in zip(order, order[1:]))  # > 1: the two processes' saves interleaved
    assert switches >= 2, "the two workers did not save at the same time: the test proved nothing"
    _record(url, "concurrency", {"workers": 2, "saves_each": SAVES_PER_WORKER, "sessions_found": len(records),
                                 "commit_order_switches": switches})
