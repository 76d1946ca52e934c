"""Photo checks and cleaning without a server: content sniffing, location stripping."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops

from backend.domain.imaging import PhotoRefused, PhotoTooLarge, prepare_photo, sniff

GPS_IFD = 0x8825
LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_pixels": 40_000_000}


def exif_with_gps() -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "TestCam"
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (39.0, 54.0, 27.0)
    return exif


def photo(fmt: str, mode: str = "RGB", **save: object) -> bytes:
    image = Image.effect_noise((96, 64), 40).convert(mode)
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "extra"),
    [
        ("JPEG", {}),
        ("JPEG", {"progressive": True}),
        ("PNG", {}),
        ("WEBP", {}),
    ],
)
def test_location_is_stripped_and_orientation_kept(fmt: str, extra: dict[str, object]) -> None:
    original = photo(fmt, exif=exif_with_gps().tobytes(), **extra)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    prepared = prepare_photo(original, **LIMITS)
    served = Image.open(io.BytesIO(prepared.data))
    assert served.format == fmt
    exif = served.getexif()
    assert not exif.get_ifd(GPS_IFD) and 0x010F not in exif
    assert exif.get(0x0112) == 6
    assert b"TestCam" not in prepared.data
    thumb = Image.open(io.BytesIO(prepared.thumbnail))
    assert thumb.format == "JPEG" and thumb.size == (64, 96)  # turned upright (orientation 6)


def test_a_jpeg_is_cleaned_without_touching_its_pixels() -> None:
    rgb = photo("JPEG", exif=exif_with_gps().tobytes(), quality=85)
    with_comment = rgb[:2] + b"\xff\xfe\x00\x0csecret gps" + rgb[2:]
    prepared = prepare_photo(with_comment, **LIMITS)
    assert b"secret gps" not in prepared.data
    before = Image.open(io.BytesIO(rgb)).convert("RGB")
    after = Image.open(io.BytesIO(prepared.data)).convert("RGB")
    assert ImageChops.difference(before, after).getbbox() is None


@pytest.mark.parametrize("mode", ["CMYK", "L"])
def test_other_colour_modes_make_rgb_thumbnails(mode: str) -> None:
    prepared = prepare_photo(photo("JPEG", mode), **LIMITS)
    assert Image.open(io.BytesIO(prepared.data)).mode == mode
    assert Image.open(io.BytesIO(prepared.thumbnail)).mode == "RGB"


def test_the_same_upload_gives_the_same_bytes() -> None:
    data = photo("JPEG", exif=exif_with_gps().tobytes())
    assert prepare_photo(data, **LIMITS).sha256 == prepare_photo(data, **LIMITS).sha256


def test_content_decides_not_the_name() -> None:
    assert sniff(b"GIF89a....") is None
    assert sniff(photo("PNG")) == "PNG"
    with pytest.raises(PhotoRefused, match="not a JPEG, PNG or WebP"):
        prepare_photo(photo("GIF"), **LIMITS)
    with pytest.raises(PhotoRefused, match="not a valid one"):
        prepare_photo(photo("JPEG")[:300], **LIMITS)


def test_limits() -> None:
    with pytest.raises(PhotoTooLarge):
        prepare_photo(photo("PNG"), max_bytes=100, max_pixels=10**9)
    with pytest.raises(PhotoTooLarge, match="pixels"):
        prepare_photo(photo("PNG"), max_bytes=10**9, max_pixels=1000)


def test_the_simulator_photos_are_deterministic_valid_evidence() -> None:
    from backend_client.vocab import AttachmentPhase
    from demo import evidence

    before = evidence.photo(AttachmentPhase.BEFORE, 3)
    assert before == evidence.photo(AttachmentPhase.BEFORE, 3)
    assert before != evidence.photo(AttachmentPhase.BEFORE, 4)
    assert before != evidence.photo(AttachmentPhase.AFTER, 3)
    for phase in AttachmentPhase:
        prepared = prepare_photo(evidence.photo(phase, 3), **LIMITS)
        assert prepared.media_type == "image/jpeg" and prepared.size < 20_000
