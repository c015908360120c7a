"""``gaugellm backends ...``: ``gaugellm plugins ...`` for backends alone (the commands from before plugins had kinds).

``list`` reads metadata only and imports no plugin; ``show`` imports one args class; ``check`` imports everything,
which is its purpose.
"""

from __future__ import annotations

from pathlib import Path

import click

from gaugellm.cli.plugins import _PATH_OPTION, check_plugins, list_plugins, new_plugin, show_plugin

__all__ = ["backends"]


@click.group()
def backends() -> None:
    """List, inspect and check installed backends."""


@backends.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
def list_command(as_json: bool) -> None:
    """List installed backends (from package metadata; imports no plugin)."""
    list_plugins(["backend"], as_json, with_kind=False)


@backends.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (fields and the JSON Schema) instead of a table.")
def show_command(name: str, as_json: bool) -> None:
    """Show the arguments one backend accepts (imports only that backend's args class)."""
    show_plugin("backend", name, as_json)


@backends.command("check")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def check_command(name: str | None, as_json: bool) -> None:
    """Import backends and verify they follow the plugin contract. Exit status 1 if any is broken."""
    check_plugins(["backend"], name, as_json, with_kind=False)


@backends.command("new")
@click.argument("name")
@_PATH_OPTION
def new_command(name: str, parent: Path) -> None:
    """Write a ready-to-publish backend plugin package (same as `gaugellm plugins new --kind backend`)."""
    new_plugin("backend", name, parent)
