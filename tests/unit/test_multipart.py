"""The in-memory multipart parser the photo routes run in a worker thread."""

from __future__ import annotations

import httpx
import pytest

from backend.api.multipart import FormError, parse_form


def encoded(
    files: list[tuple[str, tuple[str, bytes, str]]], data: dict[str, str]
) -> tuple[bytes, str]:
    """A body and Content-Type exactly as an HTTP client sends them."""
    request = httpx.Request("POST", "http://x/", files=files, data=data)
    return request.read(), request.headers["content-type"]


def test_fields_and_files_come_back_as_sent() -> None:
    photo = bytes(range(256)) * 9000  # 2.3 MB with every byte value, CRLFs and dashes too
    body, content_type = encoded(
        [("file", ("a.jpg", photo, "image/jpeg"))], {"phase": "before", "note": "井盖 缺失"}
    )
    form = parse_form(body, content_type, max_files=1, max_fields=8)
    assert form.get("phase") == "before" and form.get("note") == "井盖 缺失"
    assert form.get("absent") is None
    [part] = form.files
    assert (part.name, part.filename, part.data) == ("file", "a.jpg", photo)


def test_a_body_cut_before_its_closing_boundary_is_refused() -> None:
    body, content_type = encoded([("file", ("a.jpg", b"\xff\xd8\xff" * 100, "image/jpeg"))], {})
    with pytest.raises(FormError, match="closing boundary"):
        parse_form(body[:-20], content_type, max_files=1, max_fields=8)


def test_malformed_bodies_and_headers_are_refused() -> None:
    with pytest.raises(FormError, match="no boundary"):
        parse_form(b"abc", "multipart/form-data", max_files=1, max_fields=8)
    with pytest.raises(FormError, match="malformed"):
        parse_form(
            b"not a form at all", "multipart/form-data; boundary=xyz", max_files=1, max_fields=8
        )
    nameless = b"--xyz\r\nContent-Disposition: form-data\r\n\r\nv\r\n--xyz--\r\n"
    with pytest.raises(FormError, match="with a name"):
        parse_form(nameless, "multipart/form-data; boundary=xyz", max_files=1, max_fields=8)


def test_the_part_limits_hold() -> None:
    two_files, content_type = encoded(
        [("file", ("a.jpg", b"a", "image/jpeg")), ("file", ("b.jpg", b"b", "image/jpeg"))], {}
    )
    with pytest.raises(FormError, match="at most 1 file"):
        parse_form(two_files, content_type, max_files=1, max_fields=8)
    one_file = [("file", ("a.jpg", b"a", "image/jpeg"))]
    many, content_type = encoded(one_file, {f"f{i}": "v" for i in range(9)})
    with pytest.raises(FormError, match="at most 8 fields"):
        parse_form(many, content_type, max_files=1, max_fields=8)
    assert len(parse_form(many, content_type, max_files=1, max_fields=9).fields) == 9
