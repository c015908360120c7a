"""``gaugellm demo``: a complete benchmark with nothing to set up.

It starts the simulated server (in a child process, so that it does not share the client's interpreter lock) with a
known time to first token, inter-token latency and number of streams served at once, runs ``gaugellm run`` against
it with the ``openai_http`` backend and an SLO, prints the report, and stops the server. What it measures should
match the server's settings: that is the point of the demo, and a quick check that a machine can measure at all.
``--profile capacity`` searches the server's capacity under the SLO, which is known in closed form.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["demo"]


@click.command("demo")
@click.option(
    "--profile",
    type=click.Choice(["sweep", "capacity", "constant", "concurrent", "throughput", "synchronous"]),
    default="sweep",
    show_default=True,
    help="Load profile (sweep: synchronous, throughput, then rates between; capacity: the highest rate meeting "
    "the SLO).",
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
    "--max-streams",
    default=64,
    show_default=True,
    type=int,
    help="Requests the simulated server serves at once (the rest queue): its capacity. 0: unlimited.",
)
@click.option(
    "--slo",
    default="ttft<=200ms",
    show_default=True,
    help="The SLO every benchmark is judged against ('' for none).",
)
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
    profile: str,
    seconds: float,
    ttft_ms: float,
    itl_ms: float,
    output_tokens: str,
    max_streams: int,
    slo: str,
    outputs: tuple[Path, ...],
) -> None:
    """Benchmark the built-in simulated server: nothing to install or start by hand."""
    import json

    from gaugellm.cli.run import run as run_command
    from gaugellm_openai.mock import MockServerConfig, closed_form_capacity, mock_server

    if profile == "capacity" and not slo:
        raise click.UsageError("--profile capacity needs an --slo")
    config = MockServerConfig(
        ttft_ms=ttft_ms, itl_ms=itl_ms, output_tokens=output_tokens, max_streams=max_streams or None
    )
    arguments = ["--profile", profile, "--max-seconds", str(seconds), "--warmup", "0.1"]
    if slo:
        arguments += ["--slo", slo]
    if profile == "sweep":
        arguments += ["--rate", "3"]
    elif profile == "constant":
        arguments += ["--rate", "20"]
    elif profile == "concurrent":
        arguments += ["--concurrency", "8"]
    for output in outputs:
        arguments += ["--output", str(output)]
    try:
        capacity = f", capacity {closed_form_capacity(config):.1f} requests/s"
    except ValueError:  # unlimited streams, or drawn lengths: no closed form
        capacity = ""
    with mock_server(config, in_process=False) as server:
        click.echo(
            f"simulated server at {server.url}: time to first token {ttft_ms:g} ms, "
            f"inter-token latency {itl_ms:g} ms, {output_tokens} output tokens, "
            f"{max_streams or 'unlimited'} streams at once{capacity}"
        )
        kwargs = json.dumps({"target": server.url})
        run_command.main(
            args=["--backend", "openai_http", "--backend-kwargs", kwargs, *arguments],
            prog_name="gaugellm run",
            standalone_mode=False,
        )
