"""Checking and cleaning an uploaded photo: JPEG, PNG or WebP by content, never by name.

:func:`prepare_photo` is pure (bytes in, bytes out): it sniffs the magic bytes, lets
Pillow verify and decode the file, re-saves it without location metadata (only the
EXIF orientation and timestamp survive: GPS, XMP and maker notes are dropped), and
makes a JPEG thumbnail.  The same upload always gives the same bytes, so the store
can address files by their SHA-256.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from backend.core.problems import Invalid, PayloadTooLarge

THUMB_SIZE = 320
# Pillow format name → the media type it is served as.
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
KEEP_EXIF = (0x0112, 0x0132)  # Orientation, DateTime: nothing that says where


@dataclass(frozen=True)
class PreparedPhoto:
    data: bytes  # what is stored and served
    thumbnail: bytes  # JPEG, at most THUMB_SIZE on its longer side
    sha256: str
    media_type: str
    width: int
    height: int

    @property
    def size(self) -> int:
        return len(self.data)


def sniff(data: bytes) -> str | None:
    """The Pillow format the magic bytes announce, if it is one we take."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _refuse_content(detail: str) -> Invalid:
    return Invalid(detail, field="file")


def prepare_photo(data: bytes, *, max_bytes: int, max_pixels: int) -> PreparedPhoto:
    if len(data) > max_bytes:
        raise PayloadTooLarge(
            f"The photo is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{max_bytes / 1_048_576:.0f} MB. Send a smaller or more compressed picture.",
            limit_bytes=max_bytes,
        )
    if not data:
        raise _refuse_content("The file is empty; attach a JPEG, PNG or WebP photo.")
    fmt = sniff(data)
    if fmt is None:
        raise _refuse_content(
            "The file is not a JPEG, PNG or WebP image (judged by its content, not its name)."
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as probe:
                if probe.width * probe.height > max_pixels:
                    raise PayloadTooLarge(
                        f"The photo is {probe.width}×{probe.height} pixels; the limit is "
                        f"{max_pixels // 1_000_000} megapixels.",
                    )
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=[fmt])
            image.load()
    except PayloadTooLarge:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise _refuse_content(
            f"The file starts like a {fmt} image but is not a valid one ({exc}); "
            "send the original photo file."
        ) from exc
    with image:
        served = _without_location(image, fmt)
        thumbnail = _thumbnail(image)
        width, height = image.size
    return PreparedPhoto(
        data=served,
        thumbnail=thumbnail,
        sha256=hashlib.sha256(served).hexdigest(),
        media_type=MEDIA_TYPES[fmt],
        width=width,
        height=height,
    )


def _kept_exif(image: Image.Image) -> bytes:
    source = image.getexif()
    kept = Image.Exif()
    for tag in KEEP_EXIF:
        if tag in source:
            kept[tag] = source[tag]
    return kept.tobytes() if len(kept) else b""


def _without_location(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    options: dict[str, object] = {"exif": _kept_exif(image)}
    icc = image.info.get("icc_profile")
    if icc:
        options["icc_profile"] = icc
    if fmt == "JPEG":
        # Keep the original quantisation and subsampling: no visible loss on re-save.
        options.update(quality="keep", subsampling="keep")
    elif fmt == "WEBP":
        options.update(quality=90, method=2)
    else:
        if "transparency" in image.info:
            options["transparency"] = image.info["transparency"]
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    oriented = ImageOps.exif_transpose(image)
    if oriented.mode in ("RGBA", "LA", "P"):
        rgba = oriented.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        oriented = flat
    else:
        oriented = oriented.convert("RGB")
    oriented.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.BILINEAR, reducing_gap=2.0)
    out = io.BytesIO()
    oriented.save(out, format="JPEG", quality=80)
    return out.getvalue()
