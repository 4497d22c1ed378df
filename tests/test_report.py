import csv
import json

import numpy as np

from formcheck.angles import ANGLE_NAMES
from formcheck.report import SCHEMA_VERSION, Report, read_json
from formcheck.video import VideoInfo


def _report(n=5):  # durations and fps chosen to survive the JSON rounding exactly
    angles = {name: np.linspace(10, 50, n) for name in ANGLE_NAMES}
    angles["neck_deg"][2] = np.nan
    info = VideoInfo("x.mp4", "ab" * 32, "h264", 30.0, n, 640, 480, 0.5, 90, False)
    return Report(video=info, model={"name": "full"}, settings={}, camera={"side": "left"},
                  time_s=np.arange(n) / 30, pose=np.array([True] * (n - 1) + [False]), angles=angles)


def test_json_has_the_agreed_keys_and_round_trips(tmp_path):
    path = _report().write_json(tmp_path / "r.json")
    data = json.loads(path.read_text())
    for key in ("schema_version", "video", "model", "frames", "lift", "view", "reps", "faults", "score", "warnings"):
        assert key in data
    assert data["schema_version"] == SCHEMA_VERSION
    assert set(data["video"]) >= {"path", "sha256", "fps", "frames", "width", "height", "duration_s", "rotation"}
    frame = data["frames"][2]
    assert set(frame) == {"index", "time_s", "pose", "angles", "spine_bend_deg", "status", "check"}
    assert frame["angles"]["neck_deg"] is None and data["frames"][4]["pose"] is False
    back = read_json(path)
    np.testing.assert_allclose(back.angles["hip_deg"], _report().angles["hip_deg"], atol=0.01)
    assert back.video == _report().video


def test_csv_one_row_per_frame(tmp_path):
    path = _report(7).write_csv(tmp_path / "f.csv")
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == 7
    assert rows[2]["neck_deg"] == "" and float(rows[2]["hip_deg"]) > 0 and rows[6]["pose"] == "0"
    assert rows[0]["status"] == "unscored"
