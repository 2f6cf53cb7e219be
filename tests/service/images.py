"""Smallest well-formed PNG and JPEG files of a given size, built by hand (no decoder)."""

from __future__ import annotations

import struct
import zlib


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, *, pixels: bool = True, padding: int = 0) -> bytes:
    """A grey PNG of ``width`` × ``height`` (its pixels left out when ``pixels`` is False:
    a header that promises what the data does not hold), ``padding`` bytes of text besides."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height)) if pixels else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + (_chunk(b"tEXt", b"Comment\x00" + b"x" * padding) if padding else b"")
        + _chunk(b"IEND", b"")
    )


def jpeg(width: int, height: int) -> bytes:
    """A JPEG's frame: start, a JFIF header, a start-of-frame naming the size, a scan, end."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    frame = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    scan = b"\xff\xda" + struct.pack(">H", 8) + b"\x01\x01\x00\x00\x3f\x00" + b"\x00" * 8
    return b"\xff\xd8" + app0 + frame + scan + b"\xff\xd9"
