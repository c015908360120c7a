"""``gaugellm backends ...``: what is installed, what a backend accepts, whether plugins load, and new ones.

``list`` reads metadata only and imports no plugin; ``show`` imports one args class; ``check`` imports everything,
which is its purpose.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from pathlib import Path
from typing import Any

import click

from gaugellm.plugins.metadata import BackendEntry

__all__ = ["backends"]

_STATUS_STYLE = {"ok": "green", "disabled": "yellow", "broken": "red"}


def _console() -> Any:
    from rich.console import Console  # rich costs ~30 ms to import: only when a table is printed

    return Console(soft_wrap=False)


def _print_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, sort_keys=False))


@click.group()
def backends() -> None:
    """List, inspect and check installed backends."""


@backends.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def list_command(as_json: bool) -> None:
    """List installed backends (from package metadata; imports no plugin)."""
    from gaugellm.plugins.registry import list_backends

    entries = list_backends()
    if as_json:
        _print_json([entry.to_dict() for entry in entries])
        return
    if not entries:
        click.echo("No backends installed. Install one, e.g. `pip install gaugellm-backend-openai`.")
        return
    # A plain aligned table (like `pip list`): rich would double this command's start-up time.
    rows = [(e.name, e.distribution or "", e.version or "", e.status, e.reason or "") for e in entries]
    header = ("name", "distribution", "version", "status", "note")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for index, row in enumerate([header, *rows]):
        padding = [" " * (width - len(cell)) for cell, width in zip(row, widths, strict=True)]
        if index == 0:
            styled = [click.style(cell, bold=True) for cell in row]
        else:
            styled = [*row[:3], click.style(row[3], fg=_STATUS_STYLE.get(row[3], "red")), row[4]]
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
            default = "(computed)"
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


@backends.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (fields and the JSON Schema) instead of a table.")
def show_command(name: str, as_json: bool) -> None:
    """Show the arguments one backend accepts (imports only that backend's args class)."""
    from gaugellm.plugins.registry import get_entry, load_args_class

    entry = get_entry(name)
    args_cls = load_args_class(name)
    fields = _field_rows(args_cls)
    if as_json:
        _print_json(
            {
                **entry.to_dict(),
                "fields": fields,
                "json_schema": args_cls.model_json_schema(),
            }
        )
        return
    from rich.table import Table

    title = f"{name} ({entry.distribution} {entry.version or ''})".replace(" )", ")")
    table = Table(title=title, title_justify="left", caption=(args_cls.__doc__ or "").strip().split("\n")[0] or None)
    for column in ("field", "type", "default", "description"):
        table.add_column(column, overflow="fold")
    for row in fields:
        default = "(required)" if row["required"] else json.dumps(row["default"])
        table.add_row(row["name"], row["type"], default, row["description"])
    _console().print(table)


@backends.command("check")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def check_command(name: str | None, as_json: bool) -> None:
    """Import backends and verify they follow the plugin contract. Exit status 1 if any is broken."""
    from gaugellm.plugins.registry import check_backend, get_entry, list_backends

    entries: list[BackendEntry]
    if name is not None:
        known = {entry.name: entry for entry in list_backends()}
        entries = [known[name]] if name in known else [get_entry(name)]  # get_entry raises UnknownBackendError
    else:
        entries = [entry for entry in list_backends() if entry.status != "disabled"]
    results = [check_backend(entry) for entry in entries]
    if as_json:
        _print_json([result.to_dict() for result in results])
    else:
        for result in results:
            where = f"{result.entry.distribution} {result.entry.version or ''}".strip()
            if result.ok:
                click.echo(f"ok      {result.entry.name} ({where})")
            else:
                click.echo(f"broken  {result.entry.name} ({where}): {'; '.join(result.problems)}")
        if not results:
            click.echo("No backends installed.")
    if any(not result.ok for result in results):
        sys.exit(1)


@backends.command("new")
@click.argument("name")
@click.option(
    "--path",
    "parent",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Folder in which to create the package folder.",
)
def new_command(name: str, parent: Path) -> None:
    """Write a ready-to-publish backend plugin package (args, backend, conformance tests, README)."""
    from gaugellm.scaffold import write_plugin_package

    target = write_plugin_package(name, parent)
    click.echo(f"created {target}")
    click.echo(f'next: pip install -e "{target}[test]" && pytest {target} && gaugellm backends check {name}')
