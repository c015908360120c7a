"""Discovery: listing from metadata without imports, loading one plugin, clashes, incompatibility, registration."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

import pytest

from gaugellm import (
    Backend,
    BackendArgs,
    BackendLoadError,
    DisabledBackendError,
    DuplicateBackendError,
    GenerationRequest,
    GenerationResponse,
    IncompatibleBackendError,
    UnknownBackendError,
    create_backend,
    parse_args,
    register_backend,
    unregister_backend,
)
from gaugellm.plugins import registry
from gaugellm.plugins.metadata import DISABLED_ENV

SIDE_EFFECT = """
import pathlib, os
pathlib.Path(os.environ["GAUGELLM_TEST_MARKER"]).write_text("imported")
"""


def entries() -> dict[str, registry.BackendEntry]:
    return {entry.name: entry for entry in registry.list_backends()}


def test_listing_reads_metadata_and_imports_nothing(plugin_site):
    module = plugin_site.add_echo_plugin("echo-dist", "echo", version="2.3.4")
    listed = entries()["echo"]
    assert (listed.distribution, listed.version, listed.status) == ("echo-dist", "2.3.4", "ok")
    assert listed.requires_core == "gaugellm<2,>=1"
    assert module not in sys.modules


def test_loading_imports_exactly_one_plugin(plugin_site):
    echo = plugin_site.add_echo_plugin("echo-dist", "echo")
    other = plugin_site.add_echo_plugin("other-dist", "other")
    backend_cls = registry.load_backend_class("echo")
    assert issubclass(backend_cls, Backend)
    assert echo in sys.modules
    assert other not in sys.modules


def test_duplicate_names_are_reported_naming_both_before_import(plugin_site):
    first = plugin_site.add_echo_plugin("alpha-dist", "clash", module="clash_alpha")
    second = plugin_site.add_echo_plugin("beta-dist", "clash", module="clash_beta")
    listed = entries()["clash"]
    assert listed.status == "duplicate"
    assert "alpha-dist" in (listed.reason or "")
    assert "beta-dist" in (listed.reason or "")
    with pytest.raises(DuplicateBackendError, match="alpha-dist and beta-dist"):
        registry.load_args_class("clash")
    assert first not in sys.modules
    assert second not in sys.modules


def test_incompatible_plugin_is_listed_and_never_imported(plugin_site, tmp_path, monkeypatch):
    marker = tmp_path / "imported.txt"
    monkeypatch.setenv("GAUGELLM_TEST_MARKER", str(marker))
    plugin_site.add_echo_plugin("future-dist", "future", requires=("gaugellm>=2,<3",), extra_source=SIDE_EFFECT)
    listed = entries()["future"]
    assert listed.status == "incompatible"
    assert "gaugellm<3,>=2" in (listed.reason or "")
    with pytest.raises(IncompatibleBackendError, match=r"requires gaugellm<3,>=2, but gaugellm 1\.0\.0"):
        registry.load_backend_class("future")
    result = registry.check_backend(listed)
    assert not result.ok
    assert not marker.exists()


def test_requirement_of_an_extra_only_does_not_count(plugin_site):
    plugin_site.add_echo_plugin("extra-dist", "extra", requires=("gaugellm>=9; extra == 'docs'",))
    assert entries()["extra"].status == "ok"


def test_broken_plugin_fails_alone(plugin_site):
    plugin_site.add_echo_plugin("good-dist", "good")
    plugin_site.add_distribution(
        "broken-dist",
        entry_points={
            "gaugellm.backend_args": {"broken": "broken_mod:Args"},
            "gaugellm.backends": {"broken": "broken_mod:Backend"},
        },
        modules={"broken_mod": "raise RuntimeError('boom at import')\n"},
    )
    assert entries()["broken"].status == "ok"  # listing cannot know, and must not import
    with pytest.raises(BackendLoadError) as caught:
        registry.load_args_class("broken")
    message = str(caught.value)
    assert "broken-dist" in message
    assert "RuntimeError: boom at import" in message
    assert "pip uninstall broken-dist" in message
    assert registry.load_backend_class("good").__name__ == "EchoBackend"
    checks = {entry.name: registry.check_backend(entry) for entry in registry.list_backends()}
    assert not checks["broken"].ok
    assert checks["good"].ok


def test_exports_that_break_the_contract_are_named(plugin_site):
    plugin_site.add_distribution(
        "wrong-dist",
        entry_points={
            "gaugellm.backend_args": {"wrong": "wrong_mod:NotArgs", "mislabelled": "wrong_mod:Mislabelled"},
            "gaugellm.backends": {"wrong": "wrong_mod:NotBackend", "mislabelled": "wrong_mod:NotBackend"},
        },
        modules={
            "wrong_mod": """
                from typing import Literal
                from gaugellm import BackendArgs
                class NotArgs: pass
                class NotBackend: pass
                class Mislabelled(BackendArgs):
                    type: Literal["something_else"] = "something_else"
            """
        },
    )
    with pytest.raises(BackendLoadError, match=r"is not a subclass of gaugellm\.BackendArgs"):
        registry.load_args_class("wrong")
    with pytest.raises(BackendLoadError, match=r"is not a subclass of gaugellm\.Backend"):
        registry.load_backend_class("wrong")
    with pytest.raises(BackendLoadError, match=r"Mislabelled.type must be Literal\['mislabelled'\]"):
        registry.load_args_class("mislabelled")


def test_one_sided_and_badly_named_entries(plugin_site):
    plugin_site.add_distribution(
        "half-dist",
        entry_points={
            "gaugellm.backends": {"half": "x:Y", "Bad-Name": "x:Y"},
            "gaugellm.backend_args": {"Bad-Name": "x:Z"},
        },
    )
    listed = entries()
    assert listed["half"].status == "incomplete"
    assert "gaugellm.backend_args" in (listed["half"].reason or "")
    assert listed["Bad-Name"].status == "invalid"
    with pytest.raises(BackendLoadError, match=r"no entry point in gaugellm\.backend_args"):
        registry.load_backend_class("half")


def test_disabling_through_the_environment(plugin_site, monkeypatch):
    plugin_site.add_echo_plugin("echo-dist", "echo")
    plugin_site.add_echo_plugin("kept-dist", "kept")
    monkeypatch.setenv(DISABLED_ENV, "echo, other")
    registry.refresh()
    listed = entries()
    assert listed["echo"].status == "disabled"
    assert listed["kept"].status == "ok"
    with pytest.raises(DisabledBackendError, match=DISABLED_ENV):
        registry.load_args_class("echo")


def test_unknown_backend_lists_only_usable_names(plugin_site):
    plugin_site.add_echo_plugin("echo-dist", "echo")
    plugin_site.add_echo_plugin("future-dist", "future", requires=("gaugellm>=2",))
    with pytest.raises(UnknownBackendError) as caught:
        registry.load_args_class("vllm_typo")
    assert "echo" in caught.value.installed
    assert "future" not in caught.value.installed


class InlineArgs(BackendArgs):
    type: Literal["inline"] = "inline"
    delay: float = 0.0


class InlineBackend(Backend[InlineArgs]):
    async def resolve(self, request: GenerationRequest, response: GenerationResponse) -> None:
        response.record_chunk("hi", tokens=1)
        response.finish("stop")


@pytest.fixture
def inline_backend():
    register_backend("inline", InlineArgs, InlineBackend)
    yield
    unregister_backend("inline")


def test_in_process_registration(inline_backend):
    listed = entries()["inline"]
    assert listed.distribution == registry.REGISTERED_DISTRIBUTION
    args = parse_args({"type": "inline", "delay": 0.5})
    assert isinstance(args, InlineArgs)
    backend = create_backend(args)
    assert isinstance(backend, InlineBackend)
    assert backend.info["type"] == "inline"


async def test_created_backend_resolves(inline_backend):
    backend = create_backend(InlineArgs())
    response = GenerationResponse(request_id="r1")
    await backend.process_startup()
    await backend.resolve(GenerationRequest(request_id="r1", prompt="x"), response)
    await backend.process_shutdown()
    assert response.text == "hi"
    assert response.finish_reason == "stop"


def test_registration_refuses_clashes_unless_replacing(inline_backend, plugin_site):
    with pytest.raises(DuplicateBackendError):
        register_backend("inline", InlineArgs, InlineBackend)
    register_backend("inline", InlineArgs, InlineBackend, replace=True)
    plugin_site.add_echo_plugin("echo-dist", "echo")

    class ShadowArgs(BackendArgs):
        type: Literal["echo"] = "echo"

    with pytest.raises(DuplicateBackendError, match="echo-dist"):
        register_backend("echo", ShadowArgs, InlineBackend)


def test_registration_checks_names_and_classes():
    with pytest.raises(ValueError, match=r"\[a-z0-9_\]"):
        register_backend("Bad Name", InlineArgs, InlineBackend)
    with pytest.raises(BackendLoadError, match="must be Literal"):
        register_backend("not_inline", InlineArgs, InlineBackend)


def test_stale_stevedore_disk_cache_is_not_used(plugin_site, tmp_path, monkeypatch):
    """A reinstalled plugin whose entry point moved must load from its new place at once."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    plugin_site.add_echo_plugin("moving-dist", "moving", module="moving_old")
    assert registry.load_args_class("moving").__module__ == "moving_old"
    # Reinstall: same distribution, entry points now point at another module.
    for path in Path(plugin_site.root).glob("moving_dist-*.dist-info"):
        for file in path.iterdir():
            file.unlink()
        path.rmdir()
    plugin_site.add_echo_plugin("moving-dist", "moving", module="moving_new")
    assert registry.load_args_class("moving").__module__ == "moving_new"
