"""Image intake: hostile and malformed uploads get typed errors, good ones are oriented."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from kyc import images
from kyc.errors import ImageRejected, PayloadTooLarge

LIMITS = {"max_pixels": 40_000_000, "min_side": 320}


def encoded(width: int, height: int, fmt: str = "JPEG", **save: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def test_inspect_accepts_jpeg_png_webp() -> None:
    for fmt, content_type in (("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")):
        info = images.inspect(encoded(800, 600, fmt), max_bytes=10_000_000, **LIMITS)
        assert (info.content_type, info.width, info.height) == (content_type, 800, 600)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "file_empty"),
        (b"%PDF-1.4 not an image", "file_type_not_supported"),
        (b"<script>alert(1)</script>", "file_type_not_supported"),
        (encoded(800, 600, "GIF"), "file_type_not_supported"),
        (encoded(200, 150), "image_quality_insufficient"),
    ],
)
def test_inspect_refuses_with_a_precise_code(data: bytes, code: str) -> None:
    with pytest.raises(ImageRejected) as refused:
        images.inspect(data, max_bytes=10_000_000, **LIMITS)
    assert refused.value.code == code


def test_inspect_refuses_oversized_files_before_parsing() -> None:
    with pytest.raises(PayloadTooLarge):
        images.inspect(b"\xff" * 101, max_bytes=100, **LIMITS)


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims `width` x `height`: a decompression bomb's signature."""
    data = bytearray(encoded(400, 400, "PNG"))
    ihdr = data.index(b"IHDR")
    data[ihdr + 4 : ihdr + 12] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr : ihdr + 17]))
    data[ihdr + 17 : ihdr + 21] = struct.pack(">I", crc)
    return bytes(data)


@pytest.mark.parametrize("side", [8_000, 20_000, 60_000])  # over our limit, over PIL's, far over
def test_decompression_bomb_is_refused_from_its_header(side: int) -> None:
    bomb = png_claiming(side, side)
    with pytest.raises(ImageRejected) as refused:
        images.inspect(bomb, max_bytes=50_000_000, **LIMITS)
    assert refused.value.code == "image_too_large"
    with pytest.raises(ImageRejected) as refused:
        images.decode(bomb, **LIMITS)
    assert refused.value.code == "image_too_large"


def test_truncated_image_is_corrupt() -> None:
    data = encoded(800, 600)
    with pytest.raises(ImageRejected) as refused:
        images.decode(data[: len(data) // 2], **LIMITS)
    assert refused.value.code == "file_corrupt"


def test_decode_honours_exif_orientation() -> None:
    image = Image.new("RGB", (800, 400), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    decoded = images.decode(buffer.getvalue(), **LIMITS)
    assert decoded.shape == (800, 400, 3)  # portrait after orientation
    assert decoded.dtype == np.uint8
    assert decoded[400, 200, 0] > 200  # BGR: blue channel first


def test_png_re_encoding_drops_metadata_and_round_trips() -> None:
    array = np.zeros((400, 500, 3), np.uint8)
    array[:, :, 2] = 255
    again = images.decode(images.encode_png(array), **LIMITS)
    assert np.array_equal(again, array)
