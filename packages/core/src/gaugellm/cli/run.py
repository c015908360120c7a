"""``gaugellm run``: measure a backend under a load profile and write the report.

Only click is imported at module level: the runner, pydantic, rich and the plugin are imported inside the command,
so that ``gaugellm --help`` and ``gaugellm run --help`` stay fast. Options given on the command line override the
same options of ``--config FILE``; everything is then validated once, as a :class:`~gaugellm.runner.RunConfig`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from gaugellm.errors import GaugeError

__all__ = ["run"]

_PROFILES = ("synchronous", "concurrent", "constant", "poisson", "throughput", "sweep", "capacity", "replay")


def _rates(values: tuple[str, ...]) -> list[float]:
    rates: list[float] = []
    for value in values:
        for part in value.split(","):
            if part.strip():
                try:
                    rates.append(float(part))
                except ValueError:
                    raise click.BadParameter(f"{part.strip()!r} is not a number", param_hint="--rate") from None
    return rates


def _plugin_kwargs(text: str | None, option: str, error: type[GaugeError]) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{option} is not valid JSON: {exc.msg} at position {exc.pos}") from None
    except RecursionError:
        raise error(f"{option} is nested too deeply") from None
    if not isinstance(loaded, dict):
        raise error(f'{option} must be a JSON object, e.g. \'{{"target": "http://127.0.0.1:8000"}}\'')
    return loaded


def _plugin_args(base: Any, name: str | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    """A plugin's args: the config file's, unless ``name`` picks another plugin, updated with ``kwargs``."""
    args: dict[str, Any] = dict(base) if isinstance(base, dict) else {}
    if name is not None and args.get("type") not in (None, name):
        args = {}  # another plugin than the file's: its options do not apply
    args.update(kwargs)
    if name is not None:
        args["type"] = name
    return args


def _collector(spec: str) -> dict[str, Any]:
    """``--collector NAME`` or ``--collector 'NAME:{"interval_s": 0.5}'``."""
    from gaugellm.errors import RunConfigError

    name, colon, text = spec.partition(":")
    name = name.strip()
    if not name:
        raise RunConfigError(
            f"--collector {spec!r}: give NAME or NAME:JSON (see `gaugellm plugins list --kind collector`)"
        )
    return _plugin_args(None, name, _plugin_kwargs(text if colon else None, f"--collector {name}", RunConfigError))


def default_backend() -> str:
    """The backend when none is named: the only one installed, else ``openai_http`` when it is installed."""
    from gaugellm.errors import RunConfigError
    from gaugellm.plugins.registry import list_plugins

    usable = [entry.name for entry in list_plugins("backend") if entry.status == "ok"]
    if len(usable) == 1:
        return usable[0]
    if "openai_http" in usable:
        return "openai_http"
    if not usable:
        raise RunConfigError(
            "no backend is installed: pip install gaugellm-backend-openai (any OpenAI-compatible server) "
            "or gaugellm-backend-vllm"
        )
    raise RunConfigError(f"which backend? give --backend NAME (installed: {', '.join(sorted(usable))})")


def _ask_for_required_args(name: str) -> None:
    """The default backend with nothing given: name what it needs (``--target URL``) rather than a field error."""
    from gaugellm.errors import RunConfigError
    from gaugellm.plugins.registry import load_args_class

    required = [
        field for field, info in load_args_class(name, kind="backend").model_fields.items() if info.is_required()
    ]
    if not required:
        return
    metavars = {"target": "--target URL", "model": "--model NAME"}
    options = " and ".join(metavars.get(field, field) for field in required)
    raise RunConfigError(
        f"what should {name} measure? give {options} (or the backend's args with --backend-kwargs; "
        f"see `gaugellm backends show {name}`)"
    )


def parse_labels(texts: tuple[str, ...]) -> dict[str, str]:
    """``("build=12", "gpu=h100")`` -> ``{"build": "12", "gpu": "h100"}``; the keys are checked by the config."""
    from gaugellm.errors import RunConfigError

    labels: dict[str, str] = {}
    for text in texts:
        key, equals, value = text.partition("=")
        if not equals or not key.strip():
            raise RunConfigError(f"--label {text!r}: write KEY=VALUE, e.g. --label build=1234")
        labels[key.strip()] = value.strip()
    return labels


def complete_backend(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Shell completion of ``--backend``: the installed backends' names (read from metadata, nothing imported)."""
    from gaugellm.plugins.registry import list_plugins

    return [entry.name for entry in list_plugins("backend") if entry.name.startswith(incomplete)]


def build_config_dict(config_file: Path | None, options: dict[str, Any]) -> dict[str, Any]:
    """The config file's options, overridden by those given on the command line (``None``/empty: not given)."""
    from gaugellm.errors import BackendArgsError, RunConfigError
    from gaugellm.runner.config import load_config_file

    merged: dict[str, Any] = load_config_file(config_file) if config_file is not None else {}
    name = options.pop("backend")
    file_backend = merged.get("backend")
    defaulted = name is None and not (isinstance(file_backend, dict) and "type" in file_backend)
    if defaulted:
        name = default_backend()
    backend = _plugin_args(
        file_backend,
        name,
        _plugin_kwargs(options.pop("backend_kwargs"), "--backend-kwargs", BackendArgsError),
    )
    for field in ("target", "model"):
        value = options.pop(field, None)
        if value is not None:
            backend[field] = value
    if defaulted and set(backend) == {"type"}:
        _ask_for_required_args(backend["type"])
    merged["backend"] = backend
    labels = options.pop("labels", ())
    if labels:
        merged["labels"] = {**(merged.get("labels") or {}), **parse_labels(labels)}
    checks = options.pop("checks", ())
    if checks:
        merged["checks"] = [*(merged.get("checks") or []), *checks]
    executor_name, executor_kwargs = options.pop("executor"), options.pop("executor_kwargs")
    if executor_name is not None or executor_kwargs is not None or "executor" in merged:
        executor = _plugin_args(
            merged.get("executor"),
            executor_name,
            _plugin_kwargs(executor_kwargs, "--executor-kwargs", RunConfigError),
        )
        executor.setdefault("type", "local")
        merged["executor"] = executor
    collectors = options.pop("collector")
    if collectors:
        merged["collectors"] = [_collector(spec) for spec in collectors]
    for key, value in options.items():
        if value is None or value == () or value == []:
            continue
        merged[key] = list(value) if isinstance(value, tuple) else value
    return merged


@click.command(context_settings={"max_content_width": 110})
@click.option(
    "--target",
    metavar="URL",
    envvar="GAUGELLM_TARGET",
    help="The server to measure: fills the backend's target (e.g. http://127.0.0.1:8000).",
)
@click.option(
    "--model", metavar="NAME", envvar="GAUGELLM_MODEL", help="The model to ask for: fills the backend's model."
)
@click.option(
    "--backend",
    "-b",
    metavar="NAME",
    envvar="GAUGELLM_BACKEND",
    shell_complete=complete_backend,
    help="The backend to use (see `gaugellm backends list`). [default: the only one installed, else openai_http]",
)
@click.option(
    "--backend-kwargs", metavar="JSON", help="The backend's args as a JSON object (see `gaugellm backends show NAME`)."
)
@click.option(
    "--check",
    "checks",
    multiple=True,
    metavar="CHECK",
    envvar="GAUGELLM_CHECK",
    help="Fail the run (exit status 3) unless every benchmark meets CHECK, e.g. 'ttft.p99<=300ms', 'error_rate<1%', "
    "'request_rate>=20', 'slo.attainment>=99%'. Repeatable (docs/checks.md).",
)
@click.option(
    "--label",
    "labels",
    multiple=True,
    metavar="KEY=VALUE",
    envvar="GAUGELLM_LABEL",
    help="Label the run (build=1234, gpu=h100): shown in every report, matched by `gaugellm compare`. Repeatable.",
)
@click.option(
    "--profile",
    "-p",
    type=click.Choice(_PROFILES),
    envvar="GAUGELLM_PROFILE",
    help="How requests are sent. [default: synchronous]",
)
@click.option(
    "--rate",
    "-r",
    multiple=True,
    metavar="R",
    help="Requests/s (constant, poisson; several, repeated or comma-separated: one stage each); sweep: how many rates.",
)
@click.option(
    "--concurrency",
    "-c",
    type=int,
    help="Parallel streams (concurrent); in-flight bound (throughput, sweep). [default for throughput: 128]",
)
@click.option(
    "--burstiness",
    metavar="B",
    help="poisson: gamma gaps of shape B (1: Poisson; below 1 burstier, above 1 more regular). [default: 1]",
)
@click.option(
    "--ramp-up",
    metavar="T",
    help="constant, poisson: the rate grows linearly from 0 over the first T seconds (10s) of each stage; "
    "those requests are left out of the results.",
)
@click.option(
    "--slo",
    multiple=True,
    metavar="LIMITS",
    help="Per-request limits a good request meets, e.g. ttft<=500ms,tpot<=50ms (ttft, itl, tpot, latency, "
    "ttft_from_schedule, latency_from_schedule; ms or s). Repeatable. Adds attainment and goodput to every benchmark.",
)
@click.option(
    "--slo-attainment",
    metavar="F|P%",
    help="Share of requests that must meet the SLO: 0.99 or 99%. [default: 0.99]",
)
@click.option(
    "--capacity-by",
    type=click.Choice(("rate", "concurrency")),
    help="capacity: search the highest request rate, or the highest concurrency. [default: rate]",
)
@click.option(
    "--budget", metavar="T", help="capacity: the most time the whole search may take (300s, 10m). [default: none]"
)
@click.option(
    "--precision",
    metavar="F",
    help="capacity: stop once the highest passing and lowest failing loads are within F of each other. [default: 0.03]",
)
@click.option("--trace", metavar="FILE", help="replay: the trace to replay (Mooncake, Azure, BurstGPT or gaugellm).")
@click.option(
    "--trace-format",
    type=click.Choice(("mooncake", "azure", "burstgpt", "gaugellm")),
    help="replay: the trace's format. [default: recognised from the file]",
)
@click.option("--speedup", metavar="X", help="replay: replay X times faster than recorded. [default: 1]")
@click.option("--trace-start", metavar="S", help="replay: skip the trace's first S seconds. [default: 0]")
@click.option("--trace-duration", metavar="S", help="replay: replay S seconds of the trace. [default: all]")
@click.option("--block-tokens", metavar="N", help="replay: tokens per hash-id block (Mooncake traces). [default: 512]")
@click.option(
    "--price-per-hour",
    metavar="P",
    help="What the deployment costs per hour (any currency): adds the cost of a million (good) output tokens.",
)
@click.option(
    "--data",
    "-d",
    metavar="SPEC|FILE",
    help="Synthetic spec (prompt_tokens=256,output_tokens=128) or a .jsonl/.csv file. [default: 128/64 tokens]",
)
@click.option(
    "--max-requests",
    "-n",
    type=int,
    envvar="GAUGELLM_MAX_REQUESTS",
    help="Requests per stage (warm-up and cool-down included).",
)
@click.option(
    "--max-seconds",
    "-t",
    type=float,
    envvar="GAUGELLM_MAX_SECONDS",
    help="Seconds per stage (warm-up and cool-down included).",
)
@click.option("--max-errors", type=float, help="Stop after N errors, or once the error rate exceeds F (0 < F < 1).")
@click.option(
    "--warmup",
    metavar="N|F|Ts",
    help="Left out of the results: N requests, a fraction F of the stage, or T seconds (5s).",
)
@click.option("--cooldown", metavar="N|F|Ts", help="Left out at the end of each stage, like --warmup.")
@click.option("--tokenizer", metavar="PATH", help="A tokenizer.json (or a folder with one) for exact token counts.")
@click.option("--seed", type=int, help="Seed for synthetic data and poisson arrivals. [default: 42]")
@click.option(
    "--output",
    "-o",
    multiple=True,
    metavar="FILE",
    envvar="GAUGELLM_OUTPUT",
    help="Write the report here; .json, .csv, .html or .prom (Prometheus text). Repeatable.",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A run config (JSON or YAML); command-line options override it.",
)
@click.option(
    "--startup-timeout",
    type=float,
    metavar="S",
    help="Seconds for the workers to start and the target to pass its readiness check. [default: 300]",
)
@click.option("--workers", "-w", type=int, help="Worker processes. [default: CPUs, capped by the backend and the plan]")
@click.option(
    "--executor",
    "-e",
    metavar="NAME",
    envvar="GAUGELLM_EXECUTOR",
    help="Where the workers run (see `gaugellm plugins list --kind executor`). [default: local]",
)
@click.option(
    "--executor-kwargs",
    metavar="JSON",
    help="The executor's args as a JSON object (see `gaugellm plugins show --kind executor NAME`).",
)
@click.option(
    "--collector",
    multiple=True,
    metavar="NAME[:JSON]",
    help="Sample NAME beside the load, e.g. client or 'client:{\"interval_s\": 0.5}' (see `gaugellm plugins list "
    "--kind collector`). Repeatable.",
)
@click.option(
    "--timeline-window",
    metavar="S",
    help="Seconds per window of the report's timeline (sent, errors, in flight, TTFT and gap percentiles over "
    "time). [default: 1]",
)
@click.option("--no-records", is_flag=True, default=None, help="Leave per-request records out of the JSON report.")
@click.option(
    "--push-gateway",
    metavar="URL",
    help="Push the report's figures to this Prometheus Pushgateway at the end (job 'gaugellm').",
)
@click.option(
    "--otlp-endpoint",
    metavar="URL",
    help="Export the report's figures as OTLP metrics over HTTP to this receiver at the end ('/v1/metrics' is "
    "appended to a URL without a path; needs pip install 'gaugellm[otlp]').",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress and no tables; errors still print.")
def run(config_file: Path | None, quiet: bool, no_records: bool | None, **options: Any) -> None:
    """Measure a backend under load and write the report.

    \b
    Examples:
      gaugellm run --target http://127.0.0.1:8000 -n 100 -o run.json
      gaugellm run --target URL -p constant -r 5,10,20 -t 60 --warmup 5s
      gaugellm run --target URL -p constant -r 10 -t 60 --check 'ttft.p99<=300ms' --check 'error_rate<1%'
      gaugellm run --target URL -p sweep -r 8 -t 30 --label build=1234 -o sweep.html
      gaugellm run --target URL -p capacity --slo 'ttft<=500ms,tpot<=50ms'
      gaugellm run --target URL -p replay --trace mooncake.jsonl --speedup 2
      gaugellm run -b openai_http --backend-kwargs '{"target": "...", "api_key": "..."}' -n 10
      gaugellm run --config run.yaml -p poisson -r 20 --burstiness 0.5 --ramp-up 10s -t 60
    """
    import asyncio

    from gaugellm.runner.config import RunConfig
    from gaugellm.runner.priority import yield_cpu_to_workers
    from gaugellm.runner.session import execute_run

    def _yield_cpu(_workers: int) -> None:
        yield_cpu_to_workers()  # see gaugellm.runner.priority: the CLI's process ends with the run

    options["rate"] = _rates(options["rate"])
    if no_records:
        options["records"] = False
    config = RunConfig.parse(build_config_dict(config_file, options))
    from gaugellm.reports.writer import report_format

    for target in config.output:
        report_format(target)  # an unsupported extension fails before anything runs

    interactive = sys.stdout.isatty() and not quiet
    console = None
    if not quiet:
        from gaugellm.reports.console import make_console

        console = make_console()
    if interactive:
        from gaugellm.runner.progress import LiveProgress

        assert console is not None
        with LiveProgress(console) as live:
            result = asyncio.run(
                execute_run(config, observer=live, raise_on_incomplete=False, on_workers_ready=_yield_cpu)
            )
    else:
        from gaugellm.runner.progress import PlainProgress

        observer = None if quiet else PlainProgress(sys.stdout)
        result = asyncio.run(
            execute_run(config, observer=observer, raise_on_incomplete=False, on_workers_ready=_yield_cpu)
        )

    if console is not None and result.report.benchmarks:
        from gaugellm.reports import render_console

        render_console(result.report, console)
    if not quiet:
        for path in result.paths:
            click.echo(f"wrote {path}")
    if result.error is not None:
        raise result.error
    from gaugellm.reports.checks import failed_checks_error

    failed = failed_checks_error(result.report.checks)
    if failed is not None:
        raise failed
