"""A plugin whose import fails, as one with a missing dependency does."""

import gaugellm_missing_dependency  # noqa: F401  (not installed anywhere, on purpose)
