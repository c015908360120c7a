"""Synthetic images (``images=N,image_size=WxH``): valid PNGs, one per request, the same again for a seed."""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

import pytest

from gaugellm.data import load_dataset
from gaugellm.data.images import solid_png
from gaugellm.errors import DataError


def decode_png(png: bytes) -> tuple[int, int, bytes]:
    """Width, height and the raw scanlines of a PNG (checking every chunk's CRC on the way)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, width, height, data = 8, 0, 0, b""
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind, body = png[at + 4 : at + 8], png[at + 8 : at + 8 + length]
        assert struct.unpack(">I", png[at + 8 + length : at + 12 + length])[0] == zlib.crc32(kind + body)
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            data += body
        at += 12 + length
    return width, height, zlib.decompress(data)  # zlib checks the Adler-32 of the whole image


def test_a_solid_png_decodes_to_its_colour() -> None:
    width, height, raw = decode_png(solid_png(37, 11, (250, 5, 128)))
    assert (width, height) == (37, 11)
    assert raw == (b"\x00" + bytes((250, 5, 128)) * 37) * 11


def images_of(request: Any) -> list[bytes]:
    parts = request.messages[0]["content"]
    assert parts[0]["type"] == "text"
    urls = [part["image_url"]["url"] for part in parts[1:]]
    assert all(url.startswith("data:image/png;base64,") for url in urls)
    return [base64.b64decode(url.split(",", 1)[1]) for url in urls]


def test_synthetic_images_differ_per_request_and_repeat_per_seed() -> None:
    dataset = load_dataset("prompt_tokens=16,output_tokens=4,images=2,image_size=64x48")
    first, second = images_of(dataset.request(0)), images_of(dataset.request(1))
    assert len(first) == 2
    assert decode_png(first[0])[:2] == (64, 48)
    assert first[0] != second[0]
    assert images_of(load_dataset("prompt_tokens=16,output_tokens=4,images=2,image_size=64x48").request(0)) == first
    assert dataset.request(0).prompt_tokens == 16  # the text's size; the server counts the images' tokens


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("images=1,chat=false", "chat"),
        ("image_size=64x64", "needs images"),
        ("images=1,image_size=big", "WIDTHxHEIGHT"),
        ("images=1,image_size=0x10", "between 1 and"),
    ],
)
def test_bad_image_specs_are_one_clear_error(spec: str, words: str) -> None:
    with pytest.raises(DataError, match=words):
        load_dataset(spec)
