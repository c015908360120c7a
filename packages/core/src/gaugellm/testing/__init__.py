"""The conformance kits for plugin authors (install with ``pip install gaugellm[testing]``).

Subclass :class:`BackendConformance`, :class:`ExecutorConformance` or :class:`CollectorConformance` in your test
suite; see docs/plugins.md, "Testing with the conformance kit".
"""

import pytest

pytest.register_assert_rewrite(
    "gaugellm.testing.conformance",
    "gaugellm.testing.request_kinds",
    "gaugellm.testing.executor_kit",
    "gaugellm.testing.collector_kit",
)

from gaugellm.testing.collector_kit import CollectorConformance  # noqa: E402
from gaugellm.testing.conformance import STANDARD_TESTS, BackendConformance, Capabilities  # noqa: E402
from gaugellm.testing.executor_kit import ExecutorConformance  # noqa: E402
from gaugellm.testing.request_kinds import KIT_TOOL, REQUEST_KINDS  # noqa: E402

__all__ = [
    "KIT_TOOL",
    "REQUEST_KINDS",
    "STANDARD_TESTS",
    "BackendConformance",
    "Capabilities",
    "CollectorConformance",
    "ExecutorConformance",
]
