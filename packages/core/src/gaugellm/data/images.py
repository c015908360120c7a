"""Synthetic images for multimodal prompts: one solid-colour PNG per image, a different colour per request.

A multimodal server caches what it has seen of an image (vLLM hashes its pixels), so every request gets its own
colour, drawn from the request's random stream: no two requests share an image, and a run repeats exactly. A solid
colour tells a model nothing, but the cost of an image to a server (decoding, resizing, the vision encoder, its
tokens) depends on its size, not on what it shows.

The PNG is written here, without an imaging library: every row of a solid image is the same, so the row is
deflated once, with a full flush (which makes the compressed block independent of what came before), and the block
is repeated once per row. Building a large image thus costs about one row's compression, not the whole image's.
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Any

from gaugellm.data.rng import RequestRandom

__all__ = ["image_part", "solid_png", "synthetic_images"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ZLIB_HEADER = b"\x78\x01"  # deflate, 32 KiB window, fastest level: what level-1 zlib streams start with


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def solid_png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A ``width`` x ``height`` 8-bit RGB PNG of one colour."""
    row = b"\x00" + bytes(rgb) * width  # filter type 0 (none), then the pixels
    compressor = zlib.compressobj(1, zlib.DEFLATED, -15)
    block = compressor.compress(row) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = zlib.compressobj(1, zlib.DEFLATED, -15).flush()  # an empty last block
    checksum = 1
    for _ in range(height):
        checksum = zlib.adler32(row, checksum)
    pixels = _ZLIB_HEADER + block * height + final + struct.pack(">I", checksum)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bits, RGB, deflate, no filter, no interlace
    return _SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


def image_part(png: bytes) -> dict[str, Any]:
    """A chat content part holding the image as a data URL (the OpenAI chat completions shape)."""
    return {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(png).decode()}}


def synthetic_images(seed: int, index: int, count: int, size: tuple[int, int]) -> list[dict[str, Any]]:
    """The ``count`` image parts of request ``index``: colours from its own random stream."""
    rnd = RequestRandom(seed, index, "images")
    width, height = size
    return [
        image_part(solid_png(width, height, (rnd.below(256), rnd.below(256), rnd.below(256)))) for _ in range(count)
    ]
