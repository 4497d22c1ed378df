"""Compare formcheck's report on a synthetic clip with the clip's ground truth (docs/synthetic.md).

    .venv/bin/formcheck analyze CLIP.mp4 --no-video --json CLIP.report.json
    .venv/bin/python scripts/synth_compare.py CLIP.truth.json CLIP.report.json [--json out.json]

Prints the pose-detection rate, per-angle mean absolute error and bias (formcheck - truth, over
frames where both exist) against the `image` truth (the posed joints projected through the
camera), rep counts, the detected lift and view, and per-rep spine measures. numpy only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from formcheck.synth.compare import compare


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("truth", type=Path)
    ap.add_argument("report", type=Path)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    result = compare(json.loads(args.truth.read_text()), json.loads(args.report.read_text()))
    text = json.dumps(result, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
