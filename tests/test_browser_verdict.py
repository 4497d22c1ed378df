"""The review page's verdict, a flagged still's drawn evidence and the frame viewer's step buttons
in Debian's Chromium (Playwright), at a laptop's 1400 px and a phone's 390 px: a rendered two-rep
deadlift whose hips rise early on both reps (a `hips_rise_early` warning on each). On screen: the
verdict sentence `verdict.sentences` gives for the clip's report, above the first flagged still,
and one card per rep with its score; in the pixels of each flagged still the browser shows, the
hip's amber track from the drive's start up to the hip ring; the frame slider moved by exactly one
frame by "+1" and "−1", and to the other flag's peak by "flag ▶" and "◀ flag".
Screenshots go to artifacts/verdict_*.png."""

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from formcheck import render, review, thresholds, ui, verdict
from formcheck.landmarks import side_landmark
from tests.browser import screenshot, serve_app, settled

pytestmark = pytest.mark.real

CLIP = Path(__file__).resolve().parent.parent / "benchmarks" / "synthetic" / \
    "synth_1_033_deadlift_yaw90_lumbar0_plate45_hipsrise18.mp4"
AMBER_RGB = (255, 190, 0)  # render._flag_bgr of a warning, (0, 190, 255) in BGR


@pytest.fixture(scope="module")
def analysed():
    """The clip analysed and scored here as the page does it (standard preset, no reference). The
    server shares this test session's cache, so its analysis reads the landmarks found here."""
    reviewed = review.analyse(CLIP, CLIP.name)
    report = review.rescore(reviewed, thresholds.preset("standard"))
    assert report.lift == "deadlift" and len(report.reps) == 2
    flags = review.flag_details(report)
    assert [(f["rule"], f["severity"], f["rep"]) for f in flags] == [("hips_rise_early", "warn", 0),
                                                                      ("hips_rise_early", "warn", 1)]
    return reviewed, report, flags


@pytest.fixture(scope="module")
def page_url(tmp_path_factory, analysed):
    folder = tmp_path_factory.mktemp("verdict")
    env = dict(os.environ, FORMCHECK_HOME=str(folder / "home"))  # FORMCHECK_CACHE_DIR: the session's (conftest)
    with serve_app(folder, env) as url:
        yield url


def _hip_track(reviewed, report, flag, shape) -> tuple[np.ndarray, np.ndarray]:
    """Points every pixel along the hip's drawn track in the flagged still's pixels (the drive's
    start, `review._track_from`, to the peak; cropped by `render.body_box` and scaled to STILL_PX
    as render.annotated_frames does), leaving out the hip ring and the thigh's line (the skeleton's
    near side is amber on a warned frame too). Also the still's (h, w) this geometry gives."""
    a = reviewed.analysis
    peak, side = flag["peak"], a.angles.side
    points = a.poses.image_px[peak, :, :2].astype(np.float64)
    x0, y0, x1, y1 = render.body_box(points, report.video.width_px, report.video.height_px)
    factor = ui.STILL_PX / max(x1 - x0, y1 - y0)
    size = (int((y1 - y0) * factor), int((x1 - x0) * factor))
    assert size == shape[:2], "the still is not the body box scaled to STILL_PX"

    def px(frames, joint):
        return (a.poses.image_px[frames, side_landmark(side, joint), :2] - (x0, y0)) * factor

    track = px(slice(review._track_from(a, report, flag), peak + 1), "hip")
    track = track[np.isfinite(track).all(axis=1)]
    samples = np.concatenate([np.linspace(p, q, max(int(np.hypot(*(q - p))), 1), endpoint=False)
                              for p, q in zip(track[:-1], track[1:])])
    hip, knee = px(peak, "hip"), px(peak, "knee")
    ring = max(int(shape[1] * 0.045), 10)  # render.ring_joint's radius, its line a quarter of it
    outside_ring = np.hypot(*(samples - hip).T) > ring * 1.25 + 4
    along = np.clip((samples - hip) @ (knee - hip) / ((knee - hip) @ (knee - hip)), 0, 1)
    off_thigh = np.hypot(*(samples - hip - along[:, None] * (knee - hip)).T) > 8
    return samples[outside_ring & off_thigh], hip


def _amber_share(rgb: np.ndarray, samples: np.ndarray) -> float:
    """The share of sample points with an amber pixel within one pixel (JPEG blurs the 3 px line)."""
    def amber(y, x):
        patch = rgb[max(y - 1, 0):y + 2, max(x - 1, 0):x + 2].reshape(-1, 3).astype(int)
        return bool(((patch[:, 0] >= 200) & (abs(patch[:, 1] - AMBER_RGB[1]) <= 45) & (patch[:, 2] <= 100)).any())
    return float(np.mean([amber(int(round(y)), int(round(x))) for x, y in samples]))


def _frame(page) -> int:
    """The frame slider's value (a react-aria slider: an <input type=range> under its thumb)."""
    return int(page.locator(".st-key-results_frame input[type=range]").input_value())


def _press(page, name: str, expected: int) -> None:
    """Press a step button of the frame viewer; the slider must land on `expected`."""
    page.locator(".st-key-results_steps").get_by_role("button", name=name, exact=True).click()
    page.wait_for_function(
        "n => document.querySelector('.st-key-results_frame input[type=range]')?.value === String(n)",
        arg=expected, timeout=60000)
    settled(page)
    assert _frame(page) == expected
    page.locator("[class*=st-key-results_viewer]").get_by_text(f"frame {expected} of ").wait_for(timeout=30000)


@pytest.mark.parametrize("width", [1400, 390])
def test_verdict_evidence_and_frame_steps(browser, page_url, analysed, monkeypatch, width):
    reviewed, report, flags = analysed
    height = 900 if width >= 600 else 844
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(page_url)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").wait_for(state="attached", timeout=30000)
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(CLIP))
    page.get_by_text("Where form broke down").wait_for(timeout=300000)
    page.locator("[class*=st-key-results_flag_1] [data-testid=stImage] img").wait_for(timeout=60000)
    settled(page)
    assert page.get_by_text("Traceback").count() == 0

    # 1. verdict first: the sentence for this report, on screen and above the first flagged still
    sentences = verdict.sentences(report.faults, len(report.reps))
    assert sentences == ["Hips rising before the chest (warning) on 2 of 2 reps, worst at rep 1: 19° against "
                         "the warning limit of 10°."]
    box = page.locator("[class*=st-key-results_verdict]")
    first_still = page.locator("[class*=st-key-results_flag_0] [data-testid=stImage] img")
    for sentence in sentences:
        said = box.get_by_text(sentence)
        said.scroll_into_view_if_needed()
        assert said.is_visible()
        where = said.bounding_box()
        assert where["x"] >= 0 and where["x"] + where["width"] <= width  # not cut off at the side
        assert where["y"] + where["height"] <= first_still.bounding_box()["y"]
    cards = page.locator("[class*=st-key-results_rep_card_]")
    assert cards.count() == len(report.reps)
    for rep, card in zip(report.reps, verdict.rep_cards(report.faults, report.reps)):
        shown = page.locator(f"[class*=st-key-results_rep_card_{card['rep']}]")
        text = shown.inner_text()
        assert f"Rep {rep['index'] + 1} · {rep['score']:.0f}/100" in text, text
        assert f"warning at {card['worst_time_s']:.1f} s" in text and "Hips rising before the chest" in text
        where = shown.bounding_box()
        assert where["x"] >= 0 and where["x"] + where["width"] <= width
        assert where["y"] + where["height"] <= first_still.bounding_box()["y"]
    screenshot(page, f"verdict_{width}_1_page.png", width)

    # 2. each flagged still as the browser shows it: the hip's amber track below its ring
    for n, flag in enumerate(flags):
        img = page.locator(f"[class*=st-key-results_flag_{n}] [data-testid=stImage] img")
        img.scroll_into_view_if_needed()
        page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=img.element_handle(), timeout=30000)
        shown = img.bounding_box()
        assert shown["width"] > 150 and shown["x"] + shown["width"] <= width
        answer = page.request.get(img.evaluate("i => i.src"))
        assert answer.ok
        still = cv2.cvtColor(cv2.imdecode(np.frombuffer(answer.body(), np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        expected = review.frames(reviewed, report, [flag["peak"]], flags=[flag], crop_to_body=True,
                                 max_side_px=ui.STILL_PX)[flag["peak"]]
        # the server sends the still at the width it is shown at (st.image's width): the same picture, scaled
        scale = still.shape[1] / expected.shape[1]
        assert abs(still.shape[0] - expected.shape[0] * scale) <= 1.5 and scale > 0.5
        samples, hip = _hip_track(reviewed, report, flag, expected.shape)
        assert len(samples) >= 30 and samples[:, 1].max() > hip[1] + 40  # the track runs well below the ring
        assert _amber_share(expected, samples) >= 0.9  # the geometry is the drawing's
        assert _amber_share(still, samples * scale) >= 0.85, f"no hip track on flag {n}'s still in the browser"
        with monkeypatch.context() as m:  # the same frame without the evidence: these pixels are not amber
            m.setattr(render, "draw_evidence", lambda image, *args: image)
            bare = review.frames(reviewed, report, [flag["peak"]], flags=[flag], crop_to_body=True,
                                 max_side_px=ui.STILL_PX)[flag["peak"]]
        assert _amber_share(bare, samples) <= 0.1
        img.screenshot(path=f"artifacts/verdict_{width}_2_still_{n}.png")

    # 3. the frame viewer: on the first flag's peak; ±1 frame, then flag to flag
    peaks = [f["peak"] for f in flags]
    viewer = page.locator("[class*=st-key-results_viewer]")
    viewer.scroll_into_view_if_needed()
    assert _frame(page) == peaks[0]
    steps = page.locator(".st-key-results_steps")
    assert steps.get_by_role("button", name="◀ flag", exact=True).is_disabled()  # no flag before the first
    _press(page, "+1", peaks[0] + 1)
    _press(page, "+1", peaks[0] + 2)
    _press(page, "−1", peaks[0] + 1)
    _press(page, "flag ▶", peaks[1])
    assert steps.get_by_role("button", name="flag ▶", exact=True).is_disabled()  # the last flag
    _press(page, "−1", peaks[1] - 1)
    _press(page, "◀ flag", peaks[0])
    _press(page, "flag ▶", peaks[1])
    for button in ("◀ flag", "−1", "+1", "flag ▶"):  # all four on screen at a phone's width too
        where = steps.get_by_role("button", name=button, exact=True).bounding_box()
        assert where["x"] >= 0 and where["x"] + where["width"] <= width
    page.mouse.move(0, 0)  # no button tooltip over the picture
    viewer.screenshot(path=f"artifacts/verdict_{width}_3_viewer.png")
    screenshot(page, f"verdict_{width}_4_page_stepped.png", width)
    assert page.get_by_text("Traceback").count() == 0
    page.close()
