"""``gaugellm demo``: a complete benchmark with nothing to set up.

It starts the simulated server (in a child process, so that it does not share the client's interpreter lock) with a
known time to first token and inter-token latency, runs ``gaugellm run`` against it with the ``openai_http`` backend,
prints the report, and stops the server. What it measures should match the server's settings: that is the point of
the demo, and a quick check that a machine can measure at all.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["demo"]


@click.command("demo")
@click.option(
    "--profile",
    type=click.Choice(["sweep", "constant", "concurrent", "throughput", "synchronous"]),
    default="sweep",
    show_default=True,
    help="Load profile (sweep: synchronous, throughput, then rates between).",
)
@click.option("--seconds", default=3.0, show_default=True, type=float, help="Seconds per benchmark stage.")
@click.option(
    "--ttft-ms", default=50.0, show_default=True, type=float, help="The simulated server's time to first token."
)
@click.option(
    "--itl-ms", default=5.0, show_default=True, type=float, help="The simulated server's inter-token latency."
)
@click.option("--output-tokens", default="64", show_default=True, help="Tokens per response: N or A-B.")
@click.option(
    "--output",
    "-o",
    "outputs",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    default=(Path("gaugellm-demo.json"), Path("gaugellm-demo.html")),
    show_default=True,
    help="Report files (.json, .csv, .html). Repeatable.",
)
def demo(
    profile: str, seconds: float, ttft_ms: float, itl_ms: float, output_tokens: str, outputs: tuple[Path, ...]
) -> None:
    """Benchmark the built-in simulated server: nothing to install or start by hand."""
    import json

    from gaugellm.cli.run import run as run_command
    from gaugellm_openai.mock import MockServerConfig, mock_server

    config = MockServerConfig(ttft_ms=ttft_ms, itl_ms=itl_ms, output_tokens=output_tokens)
    arguments = ["--profile", profile, "--max-seconds", str(seconds), "--warmup", "0.1"]
    if profile == "sweep":
        arguments += ["--rate", "3"]
    elif profile == "constant":
        arguments += ["--rate", "20"]
    elif profile == "concurrent":
        arguments += ["--concurrency", "8"]
    for output in outputs:
        arguments += ["--output", str(output)]
    with mock_server(config, in_process=False) as server:
        click.echo(
            f"simulated server at {server.url}: time to first token {ttft_ms:g} ms, "
            f"inter-token latency {itl_ms:g} ms, {output_tokens} output tokens"
        )
        kwargs = json.dumps({"target": server.url})
        run_command.main(
            args=["--backend", "openai_http", "--backend-kwargs", kwargs, *arguments],
            prog_name="gaugellm run",
            standalone_mode=False,
        )
