"""A working third-party executor: gaugellm's local executor under another name, with an option of its own.

Importing it leaves a mark in ``$GAUGELLM_IMPORT_MARKERS`` (when set), so tests can tell listing (which must not
import plugins) from checking (which must).
"""

from __future__ import annotations

import os
import pathlib
from typing import Any, Literal

from pydantic import Field

from gaugellm.runner.executor import LocalExecutor, LocalExecutorArgs

if os.environ.get("GAUGELLM_IMPORT_MARKERS"):
    pathlib.Path(os.environ["GAUGELLM_IMPORT_MARKERS"], __name__).write_text("imported")


class RelayArgs(LocalExecutorArgs):
    """Workers on this machine, relayed."""

    type: Literal["relay"] = "relay"  # type: ignore[assignment]
    label: str = Field(default="relay-0", description="A label the report shows for this executor.")


class RelayExecutor(LocalExecutor):
    def __init__(self, args: RelayArgs) -> None:
        super().__init__(args)
        self.label = args.label

    @property
    def info(self) -> dict[str, Any]:
        return {**super().info, "label": self.label}
