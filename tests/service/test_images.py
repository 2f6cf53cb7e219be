"""``service.images.picture`` reads what real encoders write (Pillow, an independent
implementation) and refuses what only begins like an image; ``photos.check`` refuses a
photo that announces more than ``MAX_PIXELS``."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fleetcare.core.errors import InvalidInput
from fleetcare.service.images import picture
from fleetcare.service.photos import MAX_PIXELS, PhotoLimits, check
from tests.service.images import jpeg, png

Image = pytest.importorskip("PIL.Image")


@settings(max_examples=30, deadline=None)
@given(
    st.integers(min_value=1, max_value=300),
    st.integers(min_value=1, max_value=300),
    st.sampled_from(["PNG", "JPEG"]),
)
def test_what_an_encoder_writes_is_read_with_its_size(width: int, height: int, kind: str) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 60, 30)).save(buffer, format=kind)
    expected = ("png" if kind == "PNG" else "jpg", width, height)
    assert picture(buffer.getvalue()) == expected


@pytest.mark.parametrize("trailer", [b"\n", b"\x00\x00SEFHxxSEFT", b"\x00\x00\x00\x18ftypmp42"])
def test_bytes_after_the_end_are_let_be(trailer: bytes) -> None:
    """A phone's trailer or a motion photo's video after the image: still the image."""
    for kind in ("PNG", "JPEG"):
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48)).save(buffer, format=kind)
        assert picture(buffer.getvalue() + trailer) == (
            kind.lower()[:3].replace("jpe", "jpg"),
            64,
            48,
        )


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n<html><script>alert(document.cookie)</script></html>",
        b"\x89PNG\r\n\x1a\n<svg xmlns='http://www.w3.org/2000/svg'><script>1</script></svg>",
        png(4, 4)[:-12],  # no IEND: cut short
        png(4, 4).replace(b"IHDR", b"IHDX"),
        b"\xff\xd8\xff\xe0<html></html>",
        jpeg(4, 4)[:-2],  # no end marker
        b"GIF89a" + b"\x00" * 40,
        b"",
    ],
)
def test_what_only_begins_like_an_image_is_not_one(content: bytes) -> None:
    assert picture(content) is None
    with pytest.raises(InvalidInput, match="not a JPEG or PNG"):
        check([content], PhotoLimits())


def test_a_decompression_bomb_is_refused_by_its_header() -> None:
    """A 74-byte PNG announcing 100,000 × 100,000 pixels: refused without decoding it."""
    bomb = png(100_000, 100_000, pixels=False)
    assert picture(bomb) == ("png", 100_000, 100_000) and len(bomb) < 100
    with pytest.raises(InvalidInput, match="million"):
        check([bomb], PhotoLimits())
    assert check([png(5_000, 10_000, pixels=False)], PhotoLimits()) == ["png"]  # MAX_PIXELS
    assert MAX_PIXELS == 5_000 * 10_000
