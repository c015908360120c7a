"""An executor and a collector built for gaugellm 2: importing them leaves a mark, so tests can prove they were not."""

import os
import pathlib

pathlib.Path(os.environ.get("GAUGELLM_FUTURE_MARKER", "gaugellm-future-imported.txt")).write_text("imported")

raise ImportError("gaugellm_future_kinds must never be imported by gaugellm 1")
