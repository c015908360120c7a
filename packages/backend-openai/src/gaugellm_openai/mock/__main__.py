"""``python -m gaugellm_openai.mock --config JSON``: the child process of ``mock_server(in_process=False)``.

It prints one JSON line, ``{"url": ..., "pid": ...}``, once it listens, and runs until SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from gaugellm_openai.mock.config import MockServerConfig
from gaugellm_openai.mock.server import serve_forever


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m gaugellm_openai.mock")
    parser.add_argument("--config", default="{}", help="MockServerConfig as JSON")
    parser.add_argument("--cpus", default="", help="comma-separated cores to pin the server to")
    options = parser.parse_args(argv)
    config = MockServerConfig.model_validate_json(options.config)
    cpus = {int(cpu) for cpu in options.cpus.split(",") if cpu.strip()}

    def announce(url: str) -> None:
        sys.stdout.write(json.dumps({"url": url, "pid": os.getpid()}) + "\n")
        sys.stdout.flush()

    serve_forever(config, on_ready=announce, cpus=cpus or None)


if __name__ == "__main__":
    main()
