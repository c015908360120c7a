"""Reading a run config file, so that every broken file is one readable line and never a traceback.

A config file is whatever the user pointed ``--config`` at: possibly a binary, a device that never ends, or YAML with
a typo. Each of these is answered with the file's name and what is wrong, and for a syntax error the line and column
the parser stopped at, since a parser's own report spans several lines of context.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from gaugellm.errors import RunConfigError

__all__ = ["MAX_CONFIG_BYTES", "MAX_CONFIG_NODES", "parse_config_text", "read_config_text"]

#: A run config is a few options: anything bigger is the wrong file (and a device such as /dev/zero never ends).
MAX_CONFIG_BYTES = 1 << 20
#: ... and the most values (mappings, lists, scalars) its document may hold once YAML aliases are expanded.
MAX_CONFIG_NODES = 100_000


def read_config_text(target: Path) -> str:
    """The file's text (UTF-8), or a :class:`RunConfigError` saying why it cannot be a config file."""
    shown = repr(str(target))
    try:
        info = target.stat()
        if not stat.S_ISREG(info.st_mode):
            raise RunConfigError(f"config file {shown} is not a regular file")
        with target.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise RunConfigError(f"cannot read config file {shown}: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise RunConfigError(f"config file {shown} is larger than {MAX_CONFIG_BYTES} bytes: not a run config")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise RunConfigError(
            f"config file {shown} is not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line} column {column})"
        ) from None
    if "\x00" in text:
        raise RunConfigError(f"config file {shown} is not text (it holds NUL bytes)")
    return text


def parse_config_text(text: str, target: Path) -> Any:
    """The JSON or YAML document (by extension), or one line naming the file, line, column and problem."""
    shown = repr(str(target))
    try:
        if target.suffix.lower() in (".yaml", ".yml"):
            loaded = _parse_yaml(text, shown)
        else:
            try:
                loaded = json.loads(text)
            except json.JSONDecodeError as exc:
                raise RunConfigError(
                    f"config file {shown} is not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"
                ) from None
        _check_size(loaded, shown)
    except RecursionError:
        raise RunConfigError(f"config file {shown} is nested too deeply to be a run config") from None
    return loaded


def _check_size(document: Any, shown: str) -> None:
    """Refuse a document of more than MAX_CONFIG_NODES values, counting every use of a YAML alias.

    Aliases let a small file stand for an exponentially large document (the "billion laughs"), which validating it
    would then walk in full.
    """
    budget = MAX_CONFIG_NODES
    stack = [document]
    while stack:
        budget -= 1
        if budget < 0:
            raise RunConfigError(f"config file {shown} holds more than {MAX_CONFIG_NODES} values: not a run config")
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set):
            stack.extend(item)


def _parse_yaml(text: str, shown: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark is not None else ""
        what = " ".join(str(exc.problem or exc.context or "syntax error").split())
        raise RunConfigError(f"config file {shown} is not valid YAML: {where}{what}") from None
    except yaml.YAMLError as exc:  # a reader error (a character YAML does not allow) has no mark, only a position
        what = " ".join(str(exc).split())
        raise RunConfigError(f"config file {shown} is not valid YAML: {what}") from None
