"""``gaugellm mock-server``: the simulated OpenAI-compatible server, contributed to the CLI by this plugin.

Registered in the ``gaugellm.cli`` entry-point group; the core's lazy group imports this module only when the command
runs, and this module imports the server only inside the command.
"""

from __future__ import annotations

import json
import os
import sys

import click

__all__ = ["mock_server"]


@click.command("mock-server")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to bind; 0 picks a free one.")
@click.option("--model", default="gaugellm-mock", show_default=True, help="The one model served.")
@click.option("--ttft-ms", default=0.0, show_default=True, type=float, help="Time to first token.")
@click.option("--itl-ms", default=0.0, show_default=True, type=float, help="Time between tokens.")
@click.option("--output-tokens", default="64", show_default=True, help="Tokens per response: N or A-B (seeded draw).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of output lengths and faults.")
@click.option("--no-usage", is_flag=True, help="Never report usage (clients must estimate token counts).")
@click.option("--tokens-per-chunk", default=1, show_default=True, type=int, help="Tokens in each streamed chunk.")
@click.option(
    "--keepalive-every", default=0, show_default=True, type=int, help="A ': keep-alive' comment every N chunks."
)
@click.option("--multiline-data", is_flag=True, help="Split each event's JSON over two 'data:' lines.")
@click.option(
    "--finish-chunk",
    type=click.Choice(["last_token", "separate"]),
    default="last_token",
    show_default=True,
    help="finish_reason on the last token's chunk (vLLM) or on a chunk of its own (OpenAI).",
)
@click.option("--error-rate", default=0.0, show_default=True, type=float, help="Fraction of requests that fail.")
@click.option("--error-status", default=500, show_default=True, type=int, help="HTTP status of injected errors.")
@click.option("--stall-rate", default=0.0, show_default=True, type=float, help="Fraction of streams that stall.")
@click.option("--stall-ms", default=0.0, show_default=True, type=float, help="How long a stall lasts.")
@click.option("--drop-rate", default=0.0, show_default=True, type=float, help="Fraction of streams cut mid-way.")
@click.option("--malformed-rate", default=0.0, show_default=True, type=float, help="Fraction of streams with bad JSON.")
@click.option("--fault-after-tokens", default=None, type=int, help="Token where faults strike (default: half way).")
@click.option(
    "--max-streams", default=None, type=int, help="Requests served at once; the rest wait, FIFO (0: no limit)."
)
@click.option(
    "--itl-growth-ms", default=0.0, show_default=True, type=float, help="Extra ITL per other stream being served."
)
@click.option(
    "--kv-cache-tokens",
    default=65536,
    show_default=True,
    type=int,
    help="Tokens the simulated KV cache holds (its /metrics vllm:kv_cache_usage_perc).",
)
@click.option(
    "--reasoning-tokens",
    default=0,
    show_default=True,
    type=int,
    help="The first N tokens of each answer are reasoning.",
)
@click.option(
    "--cached-tokens",
    default=0,
    show_default=True,
    type=int,
    help="Prompt tokens reported as cached (0: not reported).",
)
@click.option("--record-requests", default=None, help="Append every generation request received to this JSONL file.")
@click.option("--tool-calls", is_flag=True, help="Answer requests that offer tools with a call of the first one.")
@click.option("--embedding-dim", default=8, show_default=True, type=int, help="Length of every embedding vector.")
@click.option(
    "--pooling-ms",
    default=0.0,
    show_default=True,
    type=float,
    help="Time to answer an embeddings, rerank or score request.",
)
@click.option("--cpus", default="", help="Pin the server to these cores, e.g. '1' or '0,1'.")
def mock_server(
    host: str,
    port: int,
    model: str,
    ttft_ms: float,
    itl_ms: float,
    output_tokens: str,
    seed: int,
    no_usage: bool,
    tokens_per_chunk: int,
    keepalive_every: int,
    multiline_data: bool,
    finish_chunk: str,
    error_rate: float,
    error_status: int,
    stall_rate: float,
    stall_ms: float,
    drop_rate: float,
    malformed_rate: float,
    fault_after_tokens: int | None,
    max_streams: int | None,
    itl_growth_ms: float,
    kv_cache_tokens: int,
    reasoning_tokens: int,
    cached_tokens: int,
    record_requests: str | None,
    tool_calls: bool,
    embedding_dim: int,
    pooling_ms: float,
    cpus: str,
) -> None:
    """Run a simulated OpenAI-compatible server (chat and text completions, responses, embeddings, /v1/models).

    It prints one JSON line ({"url": ..., "pid": ...}) once it listens, and runs until Ctrl-C or SIGTERM.
    """
    from pydantic import ValidationError

    from gaugellm.backend.args import describe_validation_error
    from gaugellm_openai.mock.config import MockServerConfig
    from gaugellm_openai.mock.server import serve_forever

    try:
        config = MockServerConfig(
            host=host,
            port=port,
            model=model,
            ttft_ms=ttft_ms,
            itl_ms=itl_ms,
            output_tokens=output_tokens,
            seed=seed,
            usage=not no_usage,
            tokens_per_chunk=tokens_per_chunk,
            keepalive_every=keepalive_every,
            multiline_data=multiline_data,
            finish_chunk=finish_chunk,  # click.Choice checked it; pydantic checks it again
            error_rate=error_rate,
            error_status=error_status,
            stall_rate=stall_rate,
            stall_ms=stall_ms,
            drop_rate=drop_rate,
            malformed_rate=malformed_rate,
            fault_after_tokens=fault_after_tokens,
            max_streams=max_streams,
            itl_growth_ms=itl_growth_ms,
            kv_cache_tokens=kv_cache_tokens,
            reasoning_tokens=reasoning_tokens,
            cached_tokens=cached_tokens,
            record_requests=record_requests,
            tool_calls=tool_calls,
            embedding_dim=embedding_dim,
            pooling_ms=pooling_ms,
        )
        pinned = {int(cpu) for cpu in cpus.split(",") if cpu.strip()}
    except ValidationError as exc:
        raise click.UsageError(describe_validation_error(exc)) from None
    except ValueError:
        raise click.UsageError("--cpus must be comma-separated core numbers, e.g. '1' or '0,1'") from None

    def announce(url: str) -> None:
        click.echo(json.dumps({"url": url, "pid": os.getpid()}))
        sys.stdout.flush()

    try:
        serve_forever(config, on_ready=announce, cpus=pinned or None)
    except OSError as exc:  # the port is taken, the address is not ours, ...
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
