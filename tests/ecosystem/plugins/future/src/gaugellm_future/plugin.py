"""A plugin built for gaugellm 2: importing it leaves a mark, so tests can prove it was never imported."""

import os
import pathlib

pathlib.Path(os.environ.get("GAUGELLM_FUTURE_MARKER", "gaugellm-future-imported.txt")).write_text("imported")

raise ImportError("gaugellm_future must never be imported by gaugellm 1")
