"""A multipart/form-data body parsed in memory, from bytes already read, by plain code.

Starlette's ``request.form()`` runs its parser on the event loop and spools a file
part over 1 MB to a temporary file through the thread pool, a hop per 64 KB chunk:
a 2 MB photo waited behind every other request for each hop.  The routes that take
photos read the body (the size limit has already been applied to it) and call
:func:`parse_form` in a worker thread, with the photo checks that follow, in one hop.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header


class FormError(ValueError):
    """The body is not a well-formed multipart form; the message says how, for the sender."""


@dataclass
class FilePart:
    name: str  # the form field's name
    filename: str
    data: bytes


@dataclass
class Form:
    fields: list[tuple[str, str]] = field(default_factory=list)  # in the body's order
    files: list[FilePart] = field(default_factory=list)

    def get(self, name: str) -> str | None:
        """The first text field called ``name``."""
        return next((value for key, value in self.fields if key == name), None)


@dataclass
class _Part:
    disposition: bytes = b""
    header_name: bytes = b""
    header_value: bytes = b""
    name: str = ""
    filename: str | None = None
    chunks: list[bytes] = field(default_factory=list)


class _Collector:
    def __init__(self, charset: str, max_files: int, max_fields: int) -> None:
        self.charset, self.max_files, self.max_fields = charset, max_files, max_fields
        self.form = Form()
        self.part = _Part()
        self.ended = False

    def _text(self, raw: bytes) -> str:
        try:
            return raw.decode(self.charset)
        except UnicodeDecodeError:
            return raw.decode("latin-1")

    def on_part_begin(self) -> None:
        self.part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.part.header_name.lower() == b"content-disposition":
            self.part.disposition = self.part.header_value
        self.part.header_name = self.part.header_value = b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.part.disposition)
        if b"name" not in options:
            raise FormError("Each part of the form needs a Content-Disposition with a name.")
        self.part.name = self._text(options[b"name"])
        if b"filename" in options:
            self.part.filename = self._text(options[b"filename"])
            if len(self.form.files) >= self.max_files:
                raise FormError(f"Send at most {self.max_files} file(s) in one form.")
        elif len(self.form.fields) >= self.max_fields:
            raise FormError(f"Send at most {self.max_fields} fields in one form.")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        self.part.chunks.append(data[start:end])

    def on_part_end(self) -> None:
        data = b"".join(self.part.chunks)
        if self.part.filename is None:
            self.form.fields.append((self.part.name, self._text(data)))
        else:
            self.form.files.append(FilePart(self.part.name, self.part.filename, data))

    def on_end(self) -> None:
        self.ended = True


def parse_form(body: bytes, content_type: str, *, max_files: int, max_fields: int) -> Form:
    """The fields and files of a multipart/form-data ``body``; :class:`FormError` if the
    boundary is missing, the body is cut short or malformed, or it has too many parts."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        raise FormError("The Content-Type multipart/form-data has no boundary parameter.")
    charset = params.get(b"charset", b"utf-8").decode("latin-1")
    try:
        charset = codecs.lookup(charset).name
    except LookupError:
        charset = "latin-1"
    collector = _Collector(charset, max_files, max_fields)
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": collector.on_part_begin,
            "on_part_data": collector.on_part_data,
            "on_part_end": collector.on_part_end,
            "on_header_field": collector.on_header_field,
            "on_header_value": collector.on_header_value,
            "on_header_end": collector.on_header_end,
            "on_headers_finished": collector.on_headers_finished,
            "on_end": collector.on_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except FormParserError as exc:
        raise FormError(f"The multipart body is malformed ({exc}).") from exc
    if not collector.ended:
        raise FormError("The multipart body ends before its closing boundary.")
    return collector.form
