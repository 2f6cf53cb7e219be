"""What a photo's bytes say it is: a PNG or a JPEG, and its size in pixels, read from the
file's structure (PNG: the signature, then an ``IHDR`` chunk whose CRC holds, and an ``IEND``
chunk; JPEG: start and end markers, and a start-of-frame segment among the segments before
the scan). Bytes after the end (a phone's trailer, a motion photo's video) are let be.
Nothing is decoded, so a file that only begins like an image (an HTML or SVG page behind a
PNG signature) or that announces more pixels than a photo has (a "decompression bomb") is
told apart without the cost of decoding it. Pure: bytes in, facts out.
"""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
JPEG_START, JPEG_END = b"\xff\xd8", b"\xff\xd9"
# start-of-frame markers (C0–CF but C4 DHT, C8 JPG and CC DAC), which carry the size
SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
SOS = 0xDA  # start of scan: the image data follows, no more headers


def picture(content: bytes) -> tuple[str, int, int] | None:
    """``("png" | "jpg", width, height)`` of a well-formed PNG or JPEG, else None."""
    if content.startswith(PNG_SIGNATURE):
        return _png(content)
    if content.startswith(JPEG_START):
        return _jpeg(content)
    return None


def _png(content: bytes) -> tuple[str, int, int] | None:
    header = content[8:33]  # length, "IHDR", 13 bytes of data, CRC
    if len(header) < 25 or header[:8] != b"\x00\x00\x00\rIHDR":
        return None
    (crc,) = struct.unpack(">I", header[21:25])
    if zlib.crc32(header[4:21]) != crc or PNG_END not in content:
        return None
    width, height = struct.unpack(">II", header[8:16])
    return ("png", width, height) if width and height else None


def _jpeg(content: bytes) -> tuple[str, int, int] | None:
    if JPEG_END not in content[2:]:
        return None
    at = 2
    while at + 4 <= len(content) and content[at] == 0xFF:
        marker = content[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        (length,) = struct.unpack(">H", content[at + 2 : at + 4])
        if marker in SOF and at + 9 <= len(content):
            height, width = struct.unpack(">HH", content[at + 5 : at + 9])
            return ("jpg", width, height) if width and height else None
        if marker == SOS or length < 2:
            return None
        at += 2 + length
    return None
