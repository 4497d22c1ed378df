"""Stand-ins for `batch.analyse_clip` in the pool's tests, run in spawned worker processes."""

import os


def crash_on_name(path, settings) -> dict:
    """A clip named crash* kills its worker, as a native crash or the OOM killer would. Each run
    is logged in runs.log beside the clip."""
    with open(path.parent / "runs.log", "a") as log:  # which clips ran, how often
        log.write(path.name + "\n")
    if path.name.startswith("crash"):
        os._exit(3)
    return {"seen": path.name, "pid": os.getpid(), "seconds": 0.0}
