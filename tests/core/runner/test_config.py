"""``RunConfig``: one validated model for a whole run, with readable errors and masked secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from gaugellm.errors import BackendArgsError, RunConfigError, UnknownBackendError
from gaugellm.runner import RunConfig, load_config_file
from gaugellm.runner.scheduler import make_profile
from gaugellm.runner.scheduler.limits import StageLimits
from gaugellm.runner.session import choose_workers


def test_backend_is_validated_polymorphically(fake_backend: str) -> None:
    config = RunConfig.parse({"backend": {"type": "runner_fake", "tokens": 3}, "max_requests": 1})
    assert type(config.backend).__name__ == "FakeArgs"
    assert config.backend.tokens == 3  # type: ignore[attr-defined]


def test_secrets_are_masked_in_the_dump(fake_backend: str) -> None:
    config = RunConfig.parse({"backend": {"type": "runner_fake", "api_key": "sekrit"}, "max_requests": 1})
    assert config.redacted()["backend"]["api_key"] == "**********"
    assert "sekrit" not in repr(config)


def test_unknown_backend_is_its_own_error() -> None:
    with pytest.raises(UnknownBackendError, match="'nope' is not installed"):
        RunConfig.parse({"backend": {"type": "nope"}, "max_requests": 1})


def test_bad_backend_field_names_the_field(fake_backend: str) -> None:
    with pytest.raises(BackendArgsError, match="tokenz: Extra inputs are not permitted"):
        RunConfig.parse({"backend": {"type": "runner_fake", "tokenz": 1}, "max_requests": 1})


def test_unknown_run_option_is_named(fake_backend: str) -> None:
    with pytest.raises(RunConfigError, match="max_request: Extra inputs are not permitted"):
        RunConfig.parse({"backend": {"type": "runner_fake"}, "max_request": 1})


def test_scheduler_checks_run_before_any_worker(fake_backend: str) -> None:
    with pytest.raises(RunConfigError, match="needs --rate"):
        RunConfig.parse({"backend": {"type": "runner_fake"}, "profile": "poisson", "max_requests": 1})


def test_config_files(tmp_path: Path) -> None:
    good = tmp_path / "run.json"
    good.write_text('{"backend": {"type": "x"}, "max-requests": 3}')
    assert load_config_file(good) == {"backend": {"type": "x"}, "max_requests": 3}
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    with pytest.raises(RunConfigError, match=r"bad\.json' is not valid JSON"):
        load_config_file(bad)
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n- 2\n")
    with pytest.raises(RunConfigError, match="must hold a mapping"):
        load_config_file(listed)
    with pytest.raises(RunConfigError, match="cannot read config file"):
        load_config_file(tmp_path / "missing.yaml")


def test_default_workers_fit_the_plan() -> None:
    limits = StageLimits(max_requests=100)
    sync = make_profile("synchronous")
    assert choose_workers(None, processes_limit=None, profile=sync, limits=limits, backend_name="x") == 1
    assert (
        choose_workers(None, processes_limit=1, profile=make_profile("throughput"), limits=limits, backend_name="x")
        == 1
    )
    one = StageLimits(max_requests=1)
    assert (
        choose_workers(None, processes_limit=None, profile=make_profile("throughput"), limits=one, backend_name="x")
        == 1
    )
    with pytest.raises(RunConfigError, match="allows \\(1 processes\\)"):
        choose_workers(4, processes_limit=1, profile=sync, limits=limits, backend_name="x")
