"""Synthetic lifter: a rigged body (anny) posed from parametric squat and deadlift motion,
rendered on the CPU, with per-frame ground truth in formcheck's conventions.

motion.py (numpy): joint-angle trajectories over a set of reps, with a spine-flexion profile.
truth.py (numpy): camera projection and the ground-truth angles from posed 3-D joints.
body.py (torch + anny, imported lazily): the posed mesh and joints for a motion.
render.py (numpy + OpenCV + PyAV): Lambert-shaded triangles painted far to near, H.264 encoding.

Importing formcheck.synth needs neither torch nor anny; only body.py's functions do
(`pip install -e '.[synth]'`, see docs/synthetic.md).
"""
