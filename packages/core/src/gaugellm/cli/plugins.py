"""``gaugellm plugins ...``: every kind of plugin (backends, executors, collectors), listed, shown, checked, made.

``list`` reads metadata only and imports no plugin; ``show`` imports one args class; ``check`` imports everything,
which is its purpose. A broken plugin of one kind never stops another kind from being listed or checked.
``gaugellm backends ...`` is the same for backends alone.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

import click

from gaugellm.plugins.kinds import KIND_NAMES

__all__ = ["check_plugins", "list_plugins", "new_plugin", "plugins", "show_plugin"]

_STATUS_STYLE = {"ok": "green", "disabled": "yellow", "broken": "red"}

_KIND_OPTION = click.option(
    "--kind", "-k", type=click.Choice(KIND_NAMES), help="Only this kind of plugin. [default: every kind]"
)


def _console() -> Any:
    from rich.console import Console  # rich costs ~30 ms to import: only when a table is printed

    return Console(soft_wrap=False)


def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=False))


def list_plugins(kinds: typing.Sequence[str], as_json: bool, *, with_kind: bool) -> None:
    """Print the plugins of ``kinds`` as an aligned table or JSON (from package metadata; imports no plugin)."""
    from gaugellm.plugins.registry import list_plugins as listed

    entries = [entry for kind in kinds for entry in listed(kind)]
    if as_json:
        _print_json([entry.to_dict() for entry in entries])
        return
    if not entries:
        what = "plugins" if len(kinds) > 1 else f"{kinds[0]}s"
        click.echo(f"No {what} installed. Install one, e.g. `pip install gaugellm-backend-openai`.")
        return
    # A plain aligned table (like `pip list`): rich would double this command's start-up time.
    rows = [
        ((e.kind,) if with_kind else ()) + (e.name, e.distribution or "", e.version or "", e.status, e.reason or "")
        for e in entries
    ]
    header = (("kind",) if with_kind else ()) + ("name", "distribution", "version", "status", "note")
    status_at = len(header) - 2
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for index, row in enumerate([header, *rows]):
        padding = [" " * (width - len(cell)) for cell, width in zip(row, widths, strict=True)]
        if index == 0:
            styled = [click.style(cell, bold=True) for cell in row]
        else:
            status = row[status_at]
            styled = [*row[:status_at], click.style(status, fg=_STATUS_STYLE.get(status, "red")), row[-1]]
        click.echo("  ".join(cell + pad for cell, pad in zip(styled, padding, strict=True)).rstrip())


def _type_name(annotation: Any) -> str:
    """A short, readable name for a field's type: ``str | None``, ``Literal['a', 'b']``, ``dict[str, str]``."""
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is typing.Literal:
        return "Literal[" + ", ".join(repr(argument) for argument in arguments) + "]"
    if origin in (typing.Union, types.UnionType):
        return " | ".join(_type_name(argument) for argument in arguments)
    if origin is typing.Annotated:
        return _type_name(arguments[0])
    if origin is not None:
        inner = ", ".join(_type_name(argument) for argument in arguments)
        return f"{getattr(origin, '__name__', str(origin))}[{inner}]" if inner else getattr(origin, "__name__", "")
    if annotation is type(None):
        return "None"
    return getattr(annotation, "__name__", str(annotation).replace("typing.", ""))


def _computed_default(info: Any) -> Any:
    """A default made by a factory (``{}``, a value read from the environment), shown as it would be; secrets masked."""
    from pydantic import SecretBytes, SecretStr
    from pydantic_core import to_jsonable_python

    try:
        value = info.get_default(call_default_factory=True, validated_data={})
    except Exception:  # a factory that needs other fields, or fails here: say so rather than guess
        return "(computed when the args are built)"
    if isinstance(value, SecretStr | SecretBytes):
        return "**********"
    try:
        return to_jsonable_python(value)
    except Exception:
        return repr(value)


def _field_rows(args_cls: Any) -> list[dict[str, Any]]:
    from pydantic import SecretBytes, SecretStr
    from pydantic_core import PydanticUndefined, to_jsonable_python

    rows = []
    for name, info in args_cls.model_fields.items():
        if info.default is not PydanticUndefined:
            default = info.default
            if isinstance(default, SecretStr | SecretBytes):
                default = "**********"
            default = to_jsonable_python(default)
        elif info.default_factory is not None:
            default = _computed_default(info)
        else:
            default = None
        rows.append(
            {
                "name": name,
                "type": _type_name(info.annotation),
                "required": info.is_required(),
                "default": default,
                "description": info.description or "",
            }
        )
    return rows


def show_plugin(kind: str, name: str, as_json: bool) -> None:
    """Print the arguments one plugin accepts (imports only its args class)."""
    from gaugellm.plugins.registry import get_entry, load_args_class

    entry = get_entry(name, kind=kind)
    args_cls = load_args_class(name, kind=kind)
    fields = _field_rows(args_cls)
    if as_json:
        _print_json({**entry.to_dict(), "fields": fields, "json_schema": args_cls.model_json_schema()})
        return
    from rich.table import Table

    title = f"{kind} {name} ({entry.distribution} {entry.version or ''})".replace(" )", ")")
    table = Table(title=title, title_justify="left", caption=(args_cls.__doc__ or "").strip().split("\n")[0] or None)
    for column in ("field", "type", "default", "description"):
        table.add_column(column, overflow="fold")
    for row in fields:
        default = "(required)" if row["required"] else json.dumps(row["default"])
        table.add_row(row["name"], row["type"], default, row["description"])
    _console().print(table)


def check_plugins(kinds: typing.Sequence[str], name: str | None, as_json: bool, *, with_kind: bool) -> None:
    """Import plugins and verify they follow their kind's contract. Exit status 1 if any is broken."""
    from gaugellm.plugins.metadata import PluginEntry
    from gaugellm.plugins.registry import check_plugin, get_entry
    from gaugellm.plugins.registry import list_plugins as listed

    entries: list[PluginEntry] = []
    for kind in kinds:
        known = {entry.name: entry for entry in listed(kind)}
        if name is None:
            entries.extend(entry for entry in known.values() if entry.status != "disabled")
        elif name in known:
            entries.append(known[name])
    if name is not None and not entries:
        get_entry(name, kind=kinds[0])  # raises UnknownPluginError, naming what is installed
    results = [check_plugin(entry) for entry in entries]
    if as_json:
        _print_json([result.to_dict() for result in results])
    else:
        for result in results:
            where = f"{result.entry.distribution} {result.entry.version or ''}".strip()
            label = f"{result.entry.kind} {result.entry.name}" if with_kind else result.entry.name
            if result.ok:
                click.echo(f"ok      {label} ({where})")
            else:
                click.echo(f"broken  {label} ({where}): {'; '.join(result.problems)}")
        if not results:
            click.echo("No plugins installed." if with_kind else f"No {kinds[0]}s installed.")
    if any(not result.ok for result in results):
        sys.exit(1)


def new_plugin(kind: str, name: str, parent: Path) -> None:
    """Write a ready-to-publish plugin package of ``kind`` and say what to do next."""
    from gaugellm.scaffold import write_plugin_package

    target = write_plugin_package(name, parent, kind=kind)
    click.echo(f"created {target}")
    command = "backends check" if kind == "backend" else f"plugins check --kind {kind}"
    click.echo(f'next: pip install -e "{target}[test]" && pytest {target} && gaugellm {command} {name}')


_PATH_OPTION = click.option(
    "--path",
    "parent",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Folder in which to create the package folder.",
)


@click.group()
def plugins() -> None:
    """List, inspect, check and create plugins of every kind (backends, executors, collectors)."""


@plugins.command("list")
@_KIND_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def list_command(kind: str | None, as_json: bool) -> None:
    """List installed plugins (from package metadata; imports no plugin)."""
    list_plugins([kind] if kind else KIND_NAMES, as_json, with_kind=kind is None)


@plugins.command("show")
@click.argument("name")
@click.option("--kind", "-k", type=click.Choice(KIND_NAMES), default="backend", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (fields and the JSON Schema) instead of a table.")
def show_command(name: str, kind: str, as_json: bool) -> None:
    """Show the arguments one plugin accepts (imports only its args class)."""
    show_plugin(kind, name, as_json)


@plugins.command("check")
@click.argument("name", required=False)
@_KIND_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def check_command(name: str | None, kind: str | None, as_json: bool) -> None:
    """Import plugins and verify they follow their kind's contract. Exit status 1 if any is broken."""
    check_plugins([kind] if kind else KIND_NAMES, name, as_json, with_kind=kind is None)


@plugins.command("new")
@click.argument("name")
@click.option("--kind", "-k", type=click.Choice(KIND_NAMES), default="backend", show_default=True)
@_PATH_OPTION
def new_command(name: str, kind: str, parent: Path) -> None:
    """Write a ready-to-publish plugin package (args, implementation, conformance tests, README)."""
    new_plugin(kind, name, parent)
