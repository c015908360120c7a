"""Property-based attacks on every numeric option and config field: each bad value is exit 2, one line, no traceback.

Values are drawn from the classes a hostile user tries (non-finite, negative, zero, huge, wrong types, text that is
not a number, bytes that are not UTF-8) and always lie outside the option's documented range (docs/errors.md), so
every example must be refused before anything starts. The CLI runs in this process (``gaugellm.cli.main.main``),
which is what the console script calls, so that hundreds of examples take seconds.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gaugellm import bounds
from gaugellm.cli.main import main

pytest.importorskip("gaugellm_openai")

EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TARGET = json.dumps({"target": "http://127.0.0.1:9"})  # never contacted: every example fails validation first


@contextlib.contextmanager
def captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


def refused(*argv: str) -> str:
    """Run the CLI; assert exit status 2 and one line on stderr, nothing on stdout. Returns the line."""
    with captured() as (out, err), pytest.raises(SystemExit) as ended:
        main(list(argv))
    stderr = err.getvalue()
    assert ended.value.code == 2, (argv, stderr)
    assert stderr.startswith("error: "), (argv, stderr)
    assert stderr.count("\n") == 1, (argv, stderr)
    assert "Traceback" not in stderr
    assert out.getvalue() == ""
    return stderr


# -- strategies: values outside a range, as the command line spells them -------------------------------------------

NON_FINITE = st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "1e999", "-1e999"])
#: Text with no digit in it can never be a number (nan and inf are covered above, and refused too).
NOT_A_NUMBER = st.text(alphabet=st.characters(blacklist_categories=["Nd", "Cs"]), min_size=1, max_size=12).filter(
    lambda text: not text.strip().startswith("-")  # would read as an unknown option: a different (also fine) error
)
#: What Python makes of command-line bytes that are not UTF-8: lone surrogates (PEP 383).
NOT_UTF8 = st.binary(min_size=1, max_size=8).map(lambda data: (b"\xff" + data).decode("utf-8", "surrogateescape"))


def floats_outside(low: float, high: float, *, low_allowed: bool) -> st.SearchStrategy[str]:
    """A float as text, below ``low`` (or equal when ``low_allowed`` is false) or above ``high``."""
    below = st.floats(max_value=low, allow_nan=False, allow_infinity=False, exclude_max=low_allowed)
    above = st.floats(min_value=high, allow_nan=False, allow_infinity=False, exclude_min=True)
    return st.one_of(below, above).map(repr)


def ints_outside(low: int, high: int) -> st.SearchStrategy[str]:
    return st.one_of(st.integers(max_value=low - 1), st.integers(min_value=high + 1)).map(str)


def bad(numbers: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(numbers, NON_FINITE, NOT_A_NUMBER, NOT_UTF8)


#: option -> (extra arguments that make the option apply, bad values)
RUN_OPTIONS: dict[str, tuple[list[str], st.SearchStrategy[str]]] = {
    "--rate": (["-p", "constant"], bad(floats_outside(0, bounds.MAX_RATE, low_allowed=False))),
    "--concurrency": (["-p", "concurrent"], bad(ints_outside(1, bounds.MAX_CONCURRENCY))),
    "--max-requests": ([], bad(ints_outside(1, bounds.MAX_REQUESTS))),
    "--max-seconds": ([], bad(floats_outside(0, bounds.MAX_SECONDS, low_allowed=False))),
    "--max-errors": ([], bad(floats_outside(0, bounds.MAX_REQUESTS, low_allowed=False))),
    "--warmup": ([], bad(st.one_of(ints_outside(0, bounds.MAX_REQUESTS), st.just("-0.5")))),
    "--cooldown": ([], bad(ints_outside(0, bounds.MAX_REQUESTS))),
    "--seed": ([], bad(ints_outside(*bounds.SEED_RANGE))),
    "--workers": ([], bad(ints_outside(1, bounds.MAX_WORKERS))),
    "--startup-timeout": ([], bad(floats_outside(0, bounds.MAX_STARTUP_TIMEOUT_S, low_allowed=False))),
    "--slo-attainment": (["--slo", "ttft<=1s"], bad(floats_outside(0, 1, low_allowed=False))),
    "--budget": (
        ["-p", "capacity", "--slo", "ttft<=1s"],
        bad(floats_outside(0, bounds.MAX_BUDGET_S, low_allowed=False)),
    ),
    "--precision": (["-p", "capacity", "--slo", "ttft<=1s"], bad(floats_outside(0, 0.5, low_allowed=False))),
    "--price-per-hour": ([], bad(floats_outside(0, bounds.MAX_PRICE_PER_HOUR, low_allowed=False))),
    "--timeline-window": (
        [],
        bad(floats_outside(bounds.MIN_TIMELINE_WINDOW_S, bounds.MAX_TIMELINE_WINDOW_S, low_allowed=True)),
    ),
    "--burstiness": (["-p", "poisson", "-r", "5"], bad(floats_outside(0, 1000, low_allowed=False))),
    "--ramp-up": (["-p", "constant", "-r", "5"], bad(floats_outside(0, bounds.MAX_SECONDS, low_allowed=False))),
    "--speedup": (
        ["-p", "replay", "--trace", "t.jsonl"],
        bad(floats_outside(0, bounds.MAX_SPEEDUP, low_allowed=False)),
    ),
    "--trace-start": (
        ["-p", "replay", "--trace", "t.jsonl"],
        bad(floats_outside(0, bounds.MAX_TRACE_SECONDS, low_allowed=True)),
    ),
    "--trace-duration": (
        ["-p", "replay", "--trace", "t.jsonl"],
        bad(floats_outside(0, bounds.MAX_TRACE_SECONDS, low_allowed=False)),
    ),
    "--block-tokens": (["-p", "replay", "--trace", "t.jsonl"], bad(ints_outside(1, bounds.MAX_TOKENS_PER_REQUEST))),
}


@pytest.mark.parametrize("option", sorted(RUN_OPTIONS))
def test_bad_run_options_are_refused_in_one_line(option: str) -> None:
    extra, values = RUN_OPTIONS[option]

    @EXAMPLES
    @given(value=values)
    def attack(value: str) -> None:
        refused("run", "-b", "openai_http", "--backend-kwargs", TARGET, "-n", "1", *extra, f"{option}={value}")

    attack()


# -- the same fields in a config file, with the types a file can hold -----------------------------------------------

JUNK = st.one_of(
    st.booleans(),
    st.sampled_from([math.nan, math.inf, -math.inf, -1, -1.5, 0.0, 10**30, -(10**30), 1e300]),
    st.text(alphabet=st.characters(blacklist_categories=["Nd", "Cs"]), max_size=10),
    st.lists(st.sampled_from([math.nan, -1, "x", None, True]), min_size=1, max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), min_size=1, max_size=2),
)
CONFIG_FIELDS = {
    "rate": "constant",
    "concurrency": "concurrent",
    "max_requests": "synchronous",
    "max_seconds": "synchronous",
    "max_errors": "synchronous",
    "warmup": "synchronous",
    "cooldown": "synchronous",
    "seed": "synchronous",
    "workers": "synchronous",
    "startup_timeout": "synchronous",
    "slo": "synchronous",
    "slo_attainment": "synchronous",
    "budget": "capacity",
    "precision": "capacity",
    "price_per_hour": "synchronous",
    "timeline_window": "synchronous",
    "burstiness": "poisson",
    "ramp_up": "constant",
    "speedup": "replay",
    "trace_start": "replay",
    "trace_duration": "replay",
    "block_tokens": "replay",
    "executor": "synchronous",
    "collectors": "synchronous",
    "push_gateway": "synchronous",
    "otlp_endpoint": "synchronous",
}


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_bad_config_fields_are_refused_in_one_line(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"run{suffix}"

    @EXAMPLES
    @given(field=st.sampled_from(sorted(CONFIG_FIELDS)), value=JUNK)
    def attack(field: str, value: object) -> None:
        document = {"backend": {"type": "openai_http", "target": "http://127.0.0.1:9"}, "profile": CONFIG_FIELDS[field]}
        document.setdefault("max_requests", 1)
        document[field] = value
        if suffix == ".json":
            path.write_text(json.dumps(document))  # NaN and Infinity as JSON's common extension
        else:
            path.write_text(yaml.safe_dump(document))
        refused("run", "--config", str(path))

    attack()


def test_config_files_of_random_bytes_are_refused_in_one_line(tmp_path: Path) -> None:
    @EXAMPLES
    @given(data=st.binary(max_size=200), suffix=st.sampled_from([".json", ".yaml", ".yml", ".conf"]))
    def attack(data: bytes, suffix: str) -> None:
        path = tmp_path / f"random{suffix}"
        path.write_bytes(data)
        refused("run", "--config", str(path))

    attack()


def test_yaml_syntax_errors_name_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text("backend:\n  type: openai_http\nrate: [1, 2\nmax_requests: 3\n")
    line = refused("run", "--config", str(path))
    assert str(path) in line
    assert "line 4 column 13" in line


def test_a_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    path.write_text(
        "\n".join(lines) + "\nbackend: {type: openai_http, target: 'http://127.0.0.1:9', extra_body: *a7}\n"
    )
    assert "more than" in refused("run", "--config", str(path))


# -- the backend's and the simulated server's numbers --------------------------------------------------------------

BACKEND_FIELDS = {
    "connect_timeout": floats_outside(0, 86_400, low_allowed=False),
    "read_timeout": floats_outside(0, 86_400, low_allowed=False),
    "max_tokens": ints_outside(1, 10**30),
    "max_connections": ints_outside(1, 10**30),
    "batch_size": ints_outside(1, 65_536),
}


def test_bad_backend_numbers_are_refused_in_one_line() -> None:
    @EXAMPLES
    @given(
        field=st.sampled_from(sorted(BACKEND_FIELDS)),
        value=st.one_of(st.sampled_from(["NaN", "Infinity", "-Infinity", "true", "[1]", '"x"']), st.just("")),
        number=st.data(),
    )
    def attack(field: str, value: str, number: st.DataObject) -> None:
        raw = value or number.draw(BACKEND_FIELDS[field])
        kwargs = f'{{"target": "http://127.0.0.1:9", "{field}": {raw}}}'
        refused("run", "-b", "openai_http", "--backend-kwargs", kwargs, "-n", "1")

    attack()


MOCK_OPTIONS: dict[str, st.SearchStrategy[str]] = {
    "--port": ints_outside(0, 65535),
    "--ttft-ms": floats_outside(0, 3_600_000, low_allowed=True),
    "--itl-ms": floats_outside(0, 3_600_000, low_allowed=True),
    "--stall-ms": floats_outside(0, 3_600_000, low_allowed=True),
    "--error-rate": floats_outside(0, 1, low_allowed=True),
    "--tokens-per-chunk": ints_outside(1, 10_000_000),
    "--output-tokens": ints_outside(1, 10_000_000),
    "--seed": ints_outside(-(2**63), 2**63 - 1),
    "--reasoning-tokens": ints_outside(0, 10_000_000),
    "--cached-tokens": ints_outside(0, 10_000_000),
    "--embedding-dim": ints_outside(1, 65_536),
    "--pooling-ms": floats_outside(0, 3_600_000, low_allowed=True),
}


def test_bad_mock_server_flags_are_refused_in_one_line() -> None:
    @EXAMPLES
    @given(option=st.sampled_from(sorted(MOCK_OPTIONS)), data=st.data())
    def attack(option: str, data: st.DataObject) -> None:
        value = data.draw(st.one_of(MOCK_OPTIONS[option], NON_FINITE, NOT_A_NUMBER, NOT_UTF8))
        refused("mock-server", f"{option}={value}")

    attack()


def test_backend_kwargs_of_any_text_are_refused_in_one_line() -> None:
    @EXAMPLES
    @given(text=st.text(max_size=40) | st.just("[" * 100_000))
    def attack(text: str) -> None:
        refused("run", "-b", "openai_http", "--backend-kwargs", text, "-n", "1")

    attack()
