"""formcheck: a computer-vision form checker for barbell squats and deadlifts.

The pipeline, one module per stage:
video -> pose (+ lifter) -> filtering -> angles -> report -> render, driven by analysis and cli.
"""

__version__ = "0.1.0"
