"""An executor and a collector whose import fails, as a plugin with a missing dependency does."""

import gaugellm_missing_dependency  # noqa: F401  (not installed anywhere, on purpose)
