"""Checking and cleaning an uploaded photo: JPEG, PNG or WebP by content, never by name.

:func:`prepare_photo` is pure (bytes in, bytes out): it sniffs the magic bytes, lets
Pillow verify and decode the file, removes location metadata (only the EXIF
orientation and timestamp survive: GPS, XMP, IPTC, maker notes and comments go), and
makes a JPEG thumbnail.  The same upload always gives the same bytes, so the store
can address files by their SHA-256.

A JPEG is cleaned losslessly and fast: its metadata segments are dropped from the
byte stream, and its thumbnail is decoded at a reduced DCT scale (which still reads
every scan, so a broken file is refused).  PNG and WebP are decoded and re-saved.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

THUMB_SIZE = 320
# Pillow format name → the media type it is served as.
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
KEEP_EXIF = (0x0112, 0x0132)  # Orientation, DateTime: nothing that says where


class PhotoRefused(ValueError):
    """The upload is not a photo we take; the message says why, for the uploader."""


class PhotoTooLarge(PhotoRefused):
    """The upload is over the size or pixel limit (``limit_bytes`` when it is the size)."""

    def __init__(self, message: str, limit_bytes: int | None = None) -> None:
        super().__init__(message)
        self.limit_bytes = limit_bytes


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


def _refuse_content(detail: str) -> PhotoRefused:
    return PhotoRefused(detail)


def prepare_photo(data: bytes, *, max_bytes: int, max_pixels: int) -> PreparedPhoto:
    if len(data) > max_bytes:
        raise PhotoTooLarge(
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
                    raise PhotoTooLarge(
                        f"The photo is {probe.width}×{probe.height} pixels; the limit is "
                        f"{max_pixels // 1_000_000} megapixels.",
                    )
                width, height = probe.size
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=[fmt])
            if fmt == "JPEG":  # decode at a reduced scale: only the thumbnail needs pixels
                image.draft("RGB", (THUMB_SIZE, THUMB_SIZE))
            image.load()
            served = (
                strip_jpeg(data, _kept_exif(image))
                if fmt == "JPEG"
                else _without_location(image, fmt)
            )
    except PhotoTooLarge:
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
        thumbnail = _thumbnail(image)
    return PreparedPhoto(
        data=served,
        thumbnail=thumbnail,
        sha256=hashlib.sha256(served).hexdigest(),
        media_type=MEDIA_TYPES[fmt],
        width=width,
        height=height,
    )


# JPEG segments kept: JFIF (APP0), an ICC profile (APP2 "ICC_PROFILE"), Adobe colour
# transform (APP14), and everything that is image data.  Every other APPn and COM goes.
_APP0, _APP2, _APP14, _SOS, _EOI, _COM = 0xE0, 0xE2, 0xEE, 0xDA, 0xD9, 0xFE
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM, RST0-7: no length field
# In entropy-coded data a marker is 0xFF followed by anything but a stuffed 0x00, a
# restart marker (RST0-7) or another 0xFF (fill).  Searched in C: the scan is most of
# the file, and a byte-by-byte loop in Python held the GIL against the event loop.
_SCAN_END = re.compile(rb"\xff(?=[^\x00\xd0-\xd7\xff])")


def _drop(marker: int, body: bytes) -> bool:
    if marker == _COM:
        return True
    if 0xE0 <= marker <= 0xEF:
        if marker in (_APP0, _APP14):
            return False
        return not (marker == _APP2 and body.startswith(b"ICC_PROFILE\x00"))
    return False


def strip_jpeg(data: bytes, exif: bytes) -> bytes:
    """The JPEG without its metadata segments (before and between scans), with ``exif``
    (``Exif\\0\\0``-prefixed, may be empty) as its only APP1.  Image data is untouched."""
    out = [b"\xff\xd8"]
    if exif:
        out.append(b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif)
    i, n = 2, len(data)
    while i < n:
        if data[i] != 0xFF:
            raise ValueError(f"no JPEG marker at byte {i}")
        marker = data[i + 1] if i + 1 < n else _EOI
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == _EOI:
            out.append(b"\xff\xd9")
            break
        if marker in _STANDALONE:
            out.append(data[i : i + 2])
            i += 2
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if length < 2 or i + 2 + length > n:
            raise ValueError("a JPEG segment runs past the end of the file")
        end = i + 2 + length
        if not _drop(marker, data[i + 4 : end]):
            out.append(data[i:end])
        i = end
        if marker == _SOS:  # entropy-coded data up to the next real marker
            found = _SCAN_END.search(data, i)
            if found is None:
                raise ValueError("the JPEG scan has no end")
            out.append(data[i : found.start()])
            i = found.start()
    return b"".join(out)


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
    if fmt == "WEBP":
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
