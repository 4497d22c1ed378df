"""Cluster: `formcheck batch ... --ray auto|ADDRESS` runs the batch's clips as Ray tasks on an
existing Ray cluster (`pip install 'formcheck[cluster]'` on every machine; docs/cluster.md).

- What travels: each task gets its clip's bytes, and the model bundle once per cluster (put in
  Ray's object store by this process), so the worker machines need formcheck and Ray but neither
  the clips nor the model files; a worker writes the bundle into its own model cache, checked
  against the manifest's sha256.
- Who saves: this process, as each result arrives (`batch.run`), so with `--store
  postgresql://...` every machine's work lands in the one database and the resume check (the clip's
  sha256 already saved) works across machines and runs.
- A task takes two CPUs (an analysis keeps two cores busy: `analysis.run_pose`), or one on a
  cluster where no node has two; a node with fewer CPUs than a task takes none. At most one task
  per free slot, plus one, is in flight, so the clips' bytes do not all sit in the object store
  at once. A task whose worker process dies is
  tried again by Ray (`batch.MAX_ATTEMPTS` in all); a worker process is replaced after
  `batch.MAX_CLIPS_PER_WORKER` clips, as in the local pool, so memory stays flat.
"""

from __future__ import annotations

import dataclasses
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

from formcheck.errors import FormcheckError
from formcheck.video import first_line

CONNECT_TIMEOUT_S = 5.0


def _ray():
    try:
        import ray
    except ImportError:
        raise FormcheckError("--ray needs Ray: pip install 'formcheck[cluster]' (on every machine of the cluster)") from None
    return ray


def connect(address: str):
    """Join the running cluster at `address` ('auto': the one this machine is part of)."""
    ray = _ray()
    if address != "auto":  # Ray itself retries an address that does not answer for minutes
        host, _, port = address.rpartition(":")
        try:
            socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S).close()
        except (OSError, ValueError) as exc:
            raise FormcheckError(f"--ray {address}: no Ray cluster to join ({exc}); the head's address is "
                                 "HOST:PORT as `ray start --head` printed it (docs/cluster.md)") from None
    try:
        ray.init(address=address, log_to_driver=False, logging_level="ERROR", configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise FormcheckError(f"--ray {address}: no Ray cluster to join ({first_line(exc)}); "
                             "start one with `ray start --head` (docs/cluster.md)") from None
    return ray


def analyse_shipped(data: bytes, name: str, model: str, bundle: bytes, settings, thresholds_text: str | None) -> dict:
    """One clip, on a Ray worker: the clip and the model arrive as bytes. Never raises for a bad clip."""
    from formcheck import assets, batch

    assets.install_model(model, bundle)
    with tempfile.TemporaryDirectory(prefix="formcheck-ray-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        del data
        if thresholds_text is not None:
            limits = Path(folder) / "thresholds.toml"
            limits.write_text(thresholds_text)
            settings = dataclasses.replace(settings, thresholds_path=str(limits))
        return batch.analyse_clip(path, settings)


def results(clips: list, settings, address: str) -> Iterator[tuple[object, dict]]:
    """(clip, result) as each Ray task finishes, in finishing order; result as
    `batch.analyse_clip` gives it, with the report's video path the one given here."""
    from formcheck import assets, batch

    ray = connect(address)
    try:
        node_cpus = [int(n["Resources"].get("CPU", 0)) for n in ray.nodes() if n["Alive"]]
        if not any(node_cpus):
            raise FormcheckError(f"--ray {address}: the cluster has no CPUs to run on")
        per_task = 2 if max(node_cpus) >= 2 else 1  # nodes with fewer CPUs than that take no task
        slots = max(1, sum(c // per_task for c in node_cpus))
        task = ray.remote(num_cpus=per_task, max_retries=batch.MAX_ATTEMPTS - 1,
                          max_calls=batch.MAX_CLIPS_PER_WORKER)(analyse_shipped)
        bundle = ray.put(assets.resolve_model(settings.model).read_bytes())
        thresholds_text = Path(settings.thresholds_path).read_text() if settings.thresholds_path else None
        waiting, running = list(clips), {}
        while waiting or running:
            while waiting and len(running) <= slots:
                clip = waiting.pop(0)
                try:
                    data = clip.path.read_bytes()
                except OSError as exc:
                    yield clip, {"error": f"cannot read: {exc.strerror}", "seconds": 0.0}
                    continue
                running[task.remote(data, clip.path.name, settings.model, bundle, settings, thresholds_text)] = clip
                del data
            if not running:
                continue
            (ref,), _ = ray.wait(list(running), num_returns=1)
            clip = running.pop(ref)
            try:
                result = ray.get(ref)
            except ray.exceptions.RayError as exc:  # a task's own error is its cause; else the worker died
                why = first_line(getattr(exc, "cause", None) or exc)
                result = {"error": f"the Ray task analysing it failed: {why}", "seconds": None}
            if "report" in result:
                result["report"]["video"]["path"] = str(clip.path)
            yield clip, result
    finally:
        ray.shutdown()
