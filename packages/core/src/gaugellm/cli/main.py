"""The ``gaugellm`` command: a click group whose subcommands are imported only when they run.

Start-up time is part of the product (``gaugellm --help`` and ``gaugellm backends list`` should answer in well under
200 ms), so this module imports click and nothing heavy: each subcommand lives in its own module, named here with its
one-line help, and plugins add commands through the ``gaugellm.cli`` entry-point group without being imported until
their command is used.
"""

from __future__ import annotations

import importlib
import os
import sys
from importlib import metadata
from typing import Any

import click

from gaugellm.__about__ import __version__

__all__ = ["cli", "main"]

CLI_GROUP = "gaugellm.cli"  # the same value as gaugellm.plugins.metadata.CLI_GROUP, without importing it

#: name -> (module:attribute, one-line help). The help is repeated here so that ``--help`` imports nothing.
BUILTIN_COMMANDS: dict[str, tuple[str, str]] = {
    "backends": ("gaugellm.cli.backends:backends", "List, inspect and check installed backends."),
    "plugins": (
        "gaugellm.cli.plugins:plugins",
        "List, inspect, check and create plugins of every kind (backends, executors, collectors).",
    ),
    "run": ("gaugellm.cli.run:run", "Measure a backend under a load profile and write the report."),
    "report": ("gaugellm.cli.report:report", "Render a saved run again: console tables, JSON, CSV or HTML."),
    "compare": ("gaugellm.cli.compare:compare", "Compare runs with a baseline: better, worse or no detectable change."),
}


#: Commands that plugin distributions of this project add, and which one: named in the help and in the error when
#: the distribution is not installed.
PLUGIN_COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("gaugellm-backend-openai", "Measure a built-in simulated server: nothing to set up."),
    "mock-server": ("gaugellm-backend-openai", "Serve the simulated OpenAI-compatible server."),
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand is invoked."""

    def _plugin_commands(self) -> dict[str, metadata.EntryPoint]:
        found: dict[str, metadata.EntryPoint] = {}
        for entry_point in metadata.entry_points(group=CLI_GROUP):
            if entry_point.name not in BUILTIN_COMMANDS and entry_point.name not in found:
                found[entry_point.name] = entry_point
        return found

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*BUILTIN_COMMANDS, *self.commands, *self._plugin_commands()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name in BUILTIN_COMMANDS:
            module_name, attribute = BUILTIN_COMMANDS[cmd_name][0].split(":")
            command: click.Command = getattr(importlib.import_module(module_name), attribute)
            return command
        entry_point = self._plugin_commands().get(cmd_name)
        if entry_point is None:
            return None
        try:
            loaded = entry_point.load()
        except Exception as exc:  # a broken plugin must not break the rest of the CLI
            dist = entry_point.dist.metadata["Name"] if entry_point.dist else "its distribution"
            raise click.ClickException(
                f"command {cmd_name!r} from {dist} failed to load: {type(exc).__name__}: {exc}"
            ) from exc
        if not isinstance(loaded, click.Command):
            raise click.ClickException(f"command {cmd_name!r} ({entry_point.value}) is not a click command")
        return loaded

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else None
        if name is not None and not name.startswith("-") and self.get_command(ctx, name) is None:
            raise click.UsageError(self._unknown(ctx, name), ctx)
        return super().resolve_command(ctx, args)

    def _unknown(self, ctx: click.Context, name: str) -> str:
        """No such command: which distribution brings it, or the nearest names."""
        import difflib

        if name in PLUGIN_COMMANDS:
            dist = PLUGIN_COMMANDS[name][0]
            return f"'{name}' comes with {dist}, which is not installed: pip install {dist}"
        close = difflib.get_close_matches(name, sorted({*self.list_commands(ctx), *PLUGIN_COMMANDS}), n=2, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        return f"no such command {name!r}{hint}"

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        plugins = self._plugin_commands()
        for name in self.list_commands(ctx):
            if name in BUILTIN_COMMANDS:
                rows.append((name, BUILTIN_COMMANDS[name][1]))
            elif name in self.commands:
                rows.append((name, self.commands[name].get_short_help_str()))
            elif name in plugins:
                dist = plugins[name].dist
                where = f"(from {dist.metadata['Name']})" if dist else "(from a plugin)"
                known = PLUGIN_COMMANDS.get(name)
                rows.append((name, f"{known[1]} {where}" if known else where))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
        missing = [(name, f"{text} (pip install {dist})") for name, (dist, text) in PLUGIN_COMMANDS.items()]
        missing = [(name, text) for name, text in missing if name not in plugins and name not in self.commands]
        if missing:
            with formatter.section("With more distributions installed"):
                formatter.write_dl(missing)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, "--version", prog_name="gaugellm")
@click.option("--debug", is_flag=True, envvar="GAUGELLM_DEBUG", help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """gaugellm: measure LLM deployments under load (time to first token, inter-token latency, throughput, errors).

    Backends, executors and collectors are plugins: `gaugellm plugins list` shows the installed ones.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: list[str] | None = None) -> None:
    """Run the CLI, turning user errors into one readable line on stderr and exit status 2."""
    args = _debug_first(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("GAUGELLM_DEBUG", "") not in ("", "0", "false")
    try:
        code: Any = cli.main(args=args, prog_name="gaugellm", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        code = 130
    except click.ClickException as exc:
        if debug:
            raise
        _show(exc.format_message(), exc.ctx.command_path if isinstance(exc, click.UsageError) and exc.ctx else None)
        code = exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        code = 130
    except Exception as exc:
        from gaugellm.causes import innermost
        from gaugellm.errors import GaugeError

        problem = innermost(exc)  # a task group's "unhandled errors" hides the real problem
        if debug or not isinstance(problem, GaugeError):
            raise
        _show(str(problem))
        code = problem.exit_code
    sys.exit(code if isinstance(code, int) else 0)


def _debug_first(args: list[str]) -> list[str]:
    """``--debug`` anywhere (``gaugellm run ... --debug``) moved to the front, where the group reads it.

    Only before a ``--``: what follows that is an argument, whatever it looks like.
    """
    end = args.index("--") if "--" in args else len(args)
    if "--debug" not in args[:end]:
        return list(args)
    rest = [arg for arg in args[:end] if arg != "--debug"]
    return ["--debug", *rest, *args[end:]]


def _show(message: str, command: str | None = None) -> None:
    """``error: ...`` on one line of stderr, secrets masked: what every user error looks like.

    A message can quote what the user typed (a URL with a key in it) or span lines (a parser's report), so it is
    redacted and folded; a usage error points to the command's ``--help`` instead of printing the usage.
    """
    from gaugellm.redaction_text import redact_text

    text = " ".join(redact_text(message).split())
    if command is not None:
        text += f" (see `{command} --help`)"
    click.echo(f"error: {text}", err=True)
