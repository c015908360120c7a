"""Regenerate the committed JSON Schema: ``python -m gaugellm.reports.schema`` (``--check`` only compares)."""

from __future__ import annotations

import sys

from gaugellm.reports.schema import schema_path, schema_text


def main(argv: list[str]) -> int:
    path = schema_path()
    text = schema_text()
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if "--check" in argv:
        if current != text:
            print(f"{path} is out of date: run `python -m gaugellm.reports.schema`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    else:
        print(f"{path} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
