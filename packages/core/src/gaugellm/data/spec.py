"""The ``--data`` spec: a compact string (or the same keys in a dict from a run config) that says what data to use.

Two kinds of spec come out of it:

* :class:`SyntheticSpec`: generated prompts with target token counts, e.g.
  ``prompt_tokens=256,prompt_tokens_stdev=32,prompt_tokens_min=64,output_tokens=128,samples=1000`` (``tools=N``
  adds N synthetic function tools to every request, ``images=N,image_size=WxH`` N images to every prompt);
* :class:`FileSpec`: requests read from a file, given as a bare path (``data.jsonl``) or with options
  (``path=data.jsonl,output_tokens=128``).

The grammar is documented for users in docs/data.md; this module is its only implementation, and every mistake in a
spec becomes a :class:`~gaugellm.errors.DataError` that names the key and says what is allowed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

from gaugellm.bounds import MAX_TOKENS_PER_REQUEST, SEED_RANGE
from gaugellm.data.distributions import (
    ChoiceDistribution,
    FixedDistribution,
    LogNormalDistribution,
    NormalDistribution,
    TokenDistribution,
    UniformDistribution,
)
from gaugellm.data.think import ThinkTime, parse_think_time
from gaugellm.errors import DataError

__all__ = [
    "DEFAULT_OUTPUT_TOKENS",
    "DEFAULT_PROMPT_TOKENS",
    "DEFAULT_SAMPLES",
    "FileSpec",
    "SyntheticSpec",
    "parse_spec",
]

DEFAULT_PROMPT_TOKENS = 128
DEFAULT_OUTPUT_TOKENS = 64
#: Distinct synthetic requests unless ``samples`` says otherwise. Requests are built lazily, so a large number costs
#: nothing up front, and it keeps a long run from sending the same prompt twice (which a server's prefix cache would
#: answer faster than a new one).
DEFAULT_SAMPLES = 10_000

_LENGTH_FIELDS = ("prompt_tokens", "output_tokens")
#: Whose answers a conversation's history carries: the server's (``real``) or the data's (``recorded``).
History = Literal["real", "recorded"]
#: Keys of conversations (synthetic ones add ``turns`` with the length suffixes, and ``system_tokens``).
_THINK_KEYS = ("think_s", "think_s_distribution")
_CONVERSATION_ONLY = ("prefix_tokens", "prefix_groups", "prefix_skew", "tools", "images", "image_size")
_LENGTH_SUFFIXES = ("", "_stdev", "_min", "_max", "_distribution")
_COMMON_KEYS = ("samples", "seed", "chat")
_SYNTHETIC_KEYS = (
    *(field + suffix for field in _LENGTH_FIELDS for suffix in _LENGTH_SUFFIXES),
    *_COMMON_KEYS,
    "prefix_tokens",
    "tools",
    "images",
    "image_size",
    "prefix_groups",
    "prefix_skew",
    *("turns" + suffix for suffix in _LENGTH_SUFFIXES),
    "system_tokens",
    *_THINK_KEYS,
)
_FILE_KEYS = (
    "path",
    *("output_tokens" + suffix for suffix in _LENGTH_SUFFIXES),
    *_COMMON_KEYS,
    "split",
    "columns",
    *_THINK_KEYS,
    "history",
)
#: The fields a column mapping can fill (``column.prompt=question``): what a data row's checks read.
MAPPABLE_FIELDS = ("prompt", "text", "messages", "id", "output_tokens", "max_tokens", "tools", "params")
_DISTRIBUTIONS = ("fixed", "uniform", "choice", "normal", "lognormal")

_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


@dataclass(frozen=True)
class SyntheticSpec:
    """Generated prompts. ``seed`` and ``chat`` are None where the spec leaves them to ``load_dataset``'s arguments."""

    prompt_tokens: TokenDistribution
    output_tokens: TokenDistribution
    samples: int = DEFAULT_SAMPLES
    seed: int | None = None
    chat: bool | None = None
    prefix_tokens: int = 0
    tools: int = 0
    images: int = 0
    image_size: tuple[int, int] = (512, 512)
    prefix_groups: int = 1
    prefix_skew: float = 0.0
    #: Conversations (``turns`` given): turns per conversation, the shared system prompt, the think time.
    turns: TokenDistribution | None = None
    system_tokens: int = 0
    think: ThinkTime = dataclasses.field(default_factory=ThinkTime)


@dataclass(frozen=True)
class FileSpec:
    """Requests read from a file. ``output_tokens`` fills in for rows that do not give their own output length."""

    path: Path
    output_tokens: TokenDistribution | None = None
    samples: int | None = None
    seed: int | None = None
    chat: bool | None = None
    split: str | None = None  # a saved or Hub dataset with several splits: which one
    columns: Mapping[str, str] = dataclasses.field(default_factory=dict)  # our field -> the data's column
    #: For files of conversations: the think time before each later turn, and whose answers the history carries.
    think: ThinkTime = dataclasses.field(default_factory=ThinkTime)
    history: History = "real"


def parse_spec(spec: str | Mapping[str, Any] | None) -> SyntheticSpec | FileSpec:
    """Turn a ``--data`` string or a config dict into a spec. ``None`` means the default synthetic data."""
    if spec is None:
        return _synthetic({})
    if isinstance(spec, Mapping):
        return _from_mapping(_flatten(spec))
    if not isinstance(spec, str):
        raise DataError(f"--data must be a string or a mapping, got {type(spec).__name__}")
    text = spec.strip()
    if not text:
        raise DataError(
            "--data is empty; give a file path or a synthetic spec such as prompt_tokens=256,output_tokens=128"
        )
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"--data looks like JSON but is not valid JSON: {exc.msg} at column {exc.colno}") from None
        except RecursionError:
            raise DataError("--data is JSON nested too deeply") from None
        if not isinstance(loaded, dict):
            raise DataError("--data as JSON must be an object of spec keys")
        return _from_mapping(_flatten(loaded))
    # A path that exists is a file even if its name has '=' in it; text without '=' can only be a path.
    if "=" not in text or Path(text).exists():
        return FileSpec(path=Path(text))
    return _from_mapping(_split_pairs(text))


def _split_pairs(text: str) -> dict[str, Any]:
    pairs: dict[str, Any] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise DataError(f"--data item {item!r} is not key=value (items are separated by commas)")
        if key in pairs:
            raise DataError(f"--data gives {key!r} twice")
        pairs[key] = value.strip()
    return pairs


def _flatten(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """Accept ``{"prompt_tokens": {"mean": 256, "stdev": 32}}`` as well as the flat keys of the string form."""
    flat: dict[str, Any] = {}
    for key, value in mapping.items():
        if not isinstance(key, str):
            raise DataError(f"--data keys must be strings, got {key!r}")
        if key in (*_LENGTH_FIELDS, "turns") and isinstance(value, Mapping):
            for sub, sub_value in value.items():
                name = {"mean": "", "value": ""}.get(sub, f"_{sub}")
                flat[key + name] = sub_value
        else:
            flat[key] = value
    return flat


def _check_keys(pairs: Mapping[str, Any], allowed: tuple[str, ...], what: str) -> None:
    for key in pairs:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(allowed)}"
            raise DataError(f"--data: unknown key {key!r} for {what}{hint}")


def _from_mapping(pairs: dict[str, Any]) -> SyntheticSpec | FileSpec:
    if "path" in pairs:
        columns = _columns(pairs)
        _check_keys(pairs, _FILE_KEYS, "a data file")
        path = pairs["path"]
        if not isinstance(path, str | Path) or not str(path).strip():
            raise DataError("--data: 'path' must be a file path")
        output = _distribution(pairs, "output_tokens", default=None)
        return FileSpec(
            path=Path(str(path).strip()),
            output_tokens=output,
            samples=_optional_int(pairs, "samples", minimum=1),
            seed=_optional_int(pairs, "seed", minimum=None),
            chat=_optional_bool(pairs, "chat"),
            split=None if pairs.get("split") is None else str(pairs["split"]).strip() or None,
            columns=columns,
            think=parse_think_time(pairs.get("think_s"), pairs.get("think_s_distribution")),
            history=cast("History", _optional_choice(pairs, "history", ("real", "recorded")) or "real"),
        )
    return _synthetic(pairs)


def _columns(pairs: dict[str, Any]) -> dict[str, str]:
    """``column.prompt=question`` items (string form) or ``columns: {prompt: question}`` (a mapping), checked."""
    raw = pairs.get("columns") or {}
    if not isinstance(raw, Mapping):
        raise DataError("--data: 'columns' must map our field names to the data's columns, e.g. {prompt: question}")
    columns = {str(key): value for key, value in raw.items()}
    for key in [key for key in pairs if key.startswith("column.")]:
        columns[key.removeprefix("column.")] = pairs.pop(key)
    pairs.pop("columns", None)
    for ours, theirs in columns.items():
        if ours not in MAPPABLE_FIELDS:
            close = difflib.get_close_matches(ours, MAPPABLE_FIELDS, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"it can fill {', '.join(MAPPABLE_FIELDS)}"
            raise DataError(f"--data: a column mapping cannot fill {ours!r}; {hint}")
        if not isinstance(theirs, str) or not theirs.strip():
            raise DataError(f"--data: column.{ours} must name a column of the data")
    if columns:
        pairs["columns"] = True  # checked: let the key check below see it as known
    return {ours: theirs.strip() for ours, theirs in columns.items()}


def _synthetic(pairs: dict[str, Any]) -> SyntheticSpec:
    _check_keys(pairs, _SYNTHETIC_KEYS, "synthetic data")
    prompt = _distribution(pairs, "prompt_tokens", default=DEFAULT_PROMPT_TOKENS)
    output = _distribution(pairs, "output_tokens", default=DEFAULT_OUTPUT_TOKENS)
    assert prompt is not None  # a default was given
    assert output is not None
    prefix = _optional_int(pairs, "prefix_tokens", minimum=0) or 0
    if prefix and prompt.lowest <= prefix:
        # prompt_tokens counts the whole prompt, so each one needs room for at least one token of its own.
        if isinstance(prompt, NormalDistribution) and pairs.get("prompt_tokens_min") is None:
            if prompt.mean <= prefix:
                raise DataError(f"--data: the mean of prompt_tokens must be larger than prefix_tokens ({prefix})")
            prompt = dataclasses.replace(prompt, minimum=prefix + 1)
        else:
            raise DataError(
                f"--data: every prompt_tokens value must be larger than prefix_tokens ({prefix}): "
                "prompt_tokens counts the whole prompt, shared prefix included"
            )
    samples = _optional_int(pairs, "samples", minimum=1)
    groups = _optional_int(pairs, "prefix_groups", minimum=1) or 1
    if groups > 1_000_000:
        raise DataError(f"--data: prefix_groups must be at most 1000000, got {groups}")
    raw_skew = pairs.get("prefix_skew", 0)
    try:
        skew = float(raw_skew) if not isinstance(raw_skew, bool) else float("nan")
    except (TypeError, ValueError):
        skew = float("nan")
    if not 0.0 <= skew <= 10.0:
        raise DataError(f"--data: prefix_skew must be between 0 (uniform) and 10 (Zipf exponent), got {raw_skew!r}")
    if (groups > 1 or skew) and not prefix:
        raise DataError("--data: prefix_groups and prefix_skew need prefix_tokens (the length of each group's prefix)")
    images = _optional_int(pairs, "images", minimum=0) or 0
    if images > _MAX_IMAGES:
        raise DataError(f"--data: images must be at most {_MAX_IMAGES} per prompt, got {images}")
    tools = _optional_int(pairs, "tools", minimum=0) or 0
    if tools > _MAX_TOOLS:
        raise DataError(f"--data: tools must be at most {_MAX_TOOLS}, got {tools}")
    if images and _optional_bool(pairs, "chat") is False:
        raise DataError("--data: images go in chat messages; remove chat=false (or images)")
    if pairs.get("image_size") is not None and not images:
        raise DataError("--data: image_size needs images=N (how many images each prompt carries)")
    turns = _distribution(pairs, "turns", default=None)
    system_tokens = _optional_int(pairs, "system_tokens", minimum=0) or 0
    if turns is None:
        for key in ("system_tokens", *_THINK_KEYS):
            if pairs.get(key) is not None:
                raise DataError(f"--data: {key} applies to conversations; give turns=N (turns per conversation)")
    else:
        if turns.highest is None or turns.highest > _MAX_TURNS:
            raise DataError(f"--data: turns must be at most {_MAX_TURNS} per conversation")
        for key in _CONVERSATION_ONLY:
            if pairs.get(key) is not None:
                raise DataError(f"--data: {key} does not apply to conversations (turns=...)")
        if _optional_bool(pairs, "chat") is False:
            raise DataError("--data: conversations are chat messages; remove chat=false (or turns)")
    return SyntheticSpec(
        prompt_tokens=prompt,
        output_tokens=output,
        samples=DEFAULT_SAMPLES if samples is None else samples,
        seed=_optional_int(pairs, "seed", minimum=None),
        chat=_optional_bool(pairs, "chat"),
        prefix_tokens=prefix,
        tools=tools,
        images=images,
        image_size=_image_size(pairs.get("image_size")),
        prefix_groups=groups,
        prefix_skew=skew,
        turns=turns,
        system_tokens=system_tokens,
        think=parse_think_time(pairs.get("think_s"), pairs.get("think_s_distribution")),
    )


#: Images per prompt and synthetic tools per request: more is a typo, and would build requests of gigabytes.
_MAX_IMAGES = 1_000
#: Turns per conversation: each turn's prompt holds the whole history, so thousands would be a typo.
_MAX_TURNS = 1_000
_MAX_TOOLS = 10_000

_SIZE = re.compile(r"^\s*(\d+)\s*[xX]\s*(\d+)\s*$")
_LARGEST_SIDE = 8192


def _image_size(raw: Any) -> tuple[int, int]:
    """``image_size=WIDTHxHEIGHT`` (e.g. ``1024x768``); the default is 512x512."""
    if raw is None:
        return (512, 512)
    match = _SIZE.match(str(raw))
    if match is None:
        raise DataError(f"--data: image_size must be WIDTHxHEIGHT, e.g. 1024x768; got {raw!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if not (1 <= width <= _LARGEST_SIDE and 1 <= height <= _LARGEST_SIDE):
        raise DataError(f"--data: image_size sides must be between 1 and {_LARGEST_SIDE} pixels; got {raw!r}")
    return width, height


def _distribution(pairs: Mapping[str, Any], field: str, default: int | None) -> TokenDistribution | None:
    """One length distribution from ``field`` and its ``_stdev``, ``_min``, ``_max`` and ``_distribution`` keys."""
    raw = pairs.get(field)
    stdev = _optional_float(pairs, f"{field}_stdev")
    minimum = _optional_int(pairs, f"{field}_min", minimum=1)
    maximum = _optional_int(pairs, f"{field}_max", minimum=1)
    kind = _optional_choice(pairs, f"{field}_distribution", _DISTRIBUTIONS)
    if minimum is not None and maximum is not None and minimum > maximum:
        raise DataError(f"--data: {field}_min ({minimum}) is larger than {field}_max ({maximum})")

    values = _length_values(field, raw)  # None, (n,), (a, b) as a range, or a list of choices
    if kind is None:
        if stdev is not None:
            kind = "normal"
        elif values is not None:
            kind = values[0]
        elif minimum is not None and maximum is not None:
            kind = "uniform"
        elif minimum is not None or maximum is not None:
            raise DataError(f"--data: {field}_min/{field}_max need {field}_stdev, or both of them for a uniform range")
        else:
            return None if default is None else FixedDistribution(default)

    if kind == "fixed":
        _refuse(pairs, field, ("_stdev", "_min", "_max"), "a fixed count")
        if values is None or values[0] != "fixed":
            raise DataError(f"--data: {field}_distribution=fixed needs one number in {field}")
        return FixedDistribution(values[1][0])
    if kind == "choice":
        _refuse(pairs, field, ("_stdev", "_min", "_max"), "a list of choices")
        if values is None:
            raise DataError(f"--data: {field}_distribution=choice needs values like {field}=128|512|2048")
        return ChoiceDistribution(tuple(values[1]))
    if kind == "uniform":
        _refuse(pairs, field, ("_stdev",), "a uniform range")
        if values is not None and values[0] == "uniform":
            if minimum is not None or maximum is not None:
                raise DataError(f"--data: give {field} as a range A-B or {field}_min and {field}_max, not both")
            low, high = values[1]
        elif values is None and minimum is not None and maximum is not None:
            low, high = minimum, maximum
        else:
            raise DataError(f"--data: a uniform {field} needs a range ({field}=100-300) or {field}_min and {field}_max")
        return UniformDistribution(low, high)
    # normal or lognormal: a mean and a standard deviation, optional bounds.
    if values is None or values[0] != "fixed":
        raise DataError(f"--data: a {kind} {field} needs its mean as one number ({field}=256,{field}_stdev=32)")
    mean = values[1][0]
    if stdev is None:
        raise DataError(f"--data: a {kind} {field} needs {field}_stdev")
    if stdev == 0:
        return FixedDistribution(mean)
    low = 1 if minimum is None else minimum
    if mean < low or (maximum is not None and mean > maximum):
        raise DataError(f"--data: the mean of {field} ({mean}) lies outside its bounds [{low}, {maximum}]")
    if kind == "lognormal":
        return LogNormalDistribution(mean=float(mean), stdev=stdev, minimum=low, maximum=maximum)
    return NormalDistribution(mean=float(mean), stdev=stdev, minimum=low, maximum=maximum)


def _refuse(pairs: Mapping[str, Any], field: str, suffixes: tuple[str, ...], what: str) -> None:
    for suffix in suffixes:
        if pairs.get(field + suffix) is not None:
            raise DataError(f"--data: {field}{suffix} does not apply to {what} ({field}={pairs.get(field)!r})")


def _length_values(field: str, raw: Any) -> tuple[str, list[int]] | None:
    """Read a length value: ``256`` (fixed), ``100-300`` (uniform), ``128|512`` or a list (choice)."""
    if raw is None:
        return None
    if isinstance(raw, list | tuple):
        if not raw:
            raise DataError(f"--data: {field} is an empty list")
        return "choice", [_positive(field, item) for item in raw]
    if isinstance(raw, str):
        text = raw.strip()
        match = _RANGE.match(text)
        if match:
            low, high = _to_int(field, match.group(1)), _to_int(field, match.group(2))
            if low < 1 or low > high:
                raise DataError(f"--data: {field}={text} is not a range of positive counts from low to high")
            return "uniform", [low, high]
        if "|" in text:
            return "choice", [_positive(field, part) for part in text.split("|")]
    return "fixed", [_positive(field, raw)]


def _positive(key: str, raw: Any) -> int:
    value = _to_int(key, raw)
    if value < 1:
        raise DataError(f"--data: {key} must be at least 1, got {value}")
    return value


def _to_int(key: str, raw: Any) -> int:
    if isinstance(raw, bool):
        raise DataError(f"--data: {key} must be a whole number, got {raw!r}")
    value: int | None = None
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    elif isinstance(raw, str):
        with contextlib.suppress(ValueError):  # not a number: said below
            value = int(raw.strip().replace("_", ""))
    if value is None:
        raise DataError(f"--data: {key} must be a whole number, got {_shown(raw)}")
    return _bounded(key, value)


def _bounded(key: str, value: int) -> int:
    """Token counts up to MAX_TOKENS_PER_REQUEST (a prompt is built in memory); other numbers fit 64 bits."""
    if "tokens" in key and value > MAX_TOKENS_PER_REQUEST:
        raise DataError(f"--data: {key} must be at most {MAX_TOKENS_PER_REQUEST} tokens, got {value}")
    if not SEED_RANGE[0] <= value <= SEED_RANGE[1]:
        raise DataError(f"--data: {key} does not fit in 64 bits")
    return value


def _shown(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "..."


def _optional_int(pairs: Mapping[str, Any], key: str, minimum: int | None) -> int | None:
    raw = pairs.get(key)
    if raw is None:
        return None
    value = _to_int(key, raw)
    if minimum is not None and value < minimum:
        raise DataError(f"--data: {key} must be at least {minimum}, got {value}")
    return value


def _optional_float(pairs: Mapping[str, Any], key: str) -> float | None:
    raw = pairs.get(key)
    if raw is None:
        return None
    try:
        value = float(raw) if not isinstance(raw, bool) else float("nan")
    except (TypeError, ValueError):
        value = float("nan")
    if not value >= 0 or value == float("inf"):
        raise DataError(f"--data: {key} must be a number of tokens, zero or more, got {raw!r}")
    return value


def _optional_bool(pairs: Mapping[str, Any], key: str) -> bool | None:
    raw = pairs.get(key)
    if raw is None or isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise DataError(f"--data: {key} must be true or false, got {raw!r}")


def _optional_choice(pairs: Mapping[str, Any], key: str, allowed: tuple[str, ...]) -> str | None:
    raw = pairs.get(key)
    if raw is None:
        return None
    text = str(raw).strip().lower()
    if text not in allowed:
        raise DataError(f"--data: {key} must be one of {', '.join(allowed)}, got {raw!r}")
    return text
