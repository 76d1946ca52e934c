"""Photo evidence through the real server: upload, refuse, strip location, dedup, scope."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.api.helpers import act, grid_in, report
from tests.conftest import Seeded, Server, start_server

pytestmark = pytest.mark.slow

MAX_BYTES = 1_000_000
GPS_IFD = 0x8825


@pytest.fixture(scope="module")
def photo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("photos")


@pytest.fixture(scope="module")
def photo_server(
    seeded: Seeded, photo_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("photo-server") / "server.log"
    srv = start_server(
        seeded.url,
        log,
        extra_env={
            "CITYGRID_PHOTO_DIR": str(photo_dir),
            "CITYGRID_PHOTO_MAX_BYTES": str(MAX_BYTES),
        },
    )
    try:
        yield srv
    finally:
        srv.stop()


def client(server: Server, seeded: Seeded, user: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=server.api,
        headers={"Authorization": f"Bearer {seeded.tokens[user]}"},
        timeout=httpx.Timeout(30.0),
    )


def jpeg(colour: tuple[int, int, int] = (200, 40, 40), *, gps: bool = False) -> bytes:
    image = Image.new("RGB", (64, 48), colour)
    exif = Image.Exif()
    exif[0x0112] = 1  # orientation
    exif[0x010F] = "TestCam"  # make
    if gps:
        ifd = exif.get_ifd(GPS_IFD)
        ifd[1] = "N"
        ifd[2] = (39.0, 54.0, 27.0)
        ifd[3] = "E"
        ifd[4] = (116.0, 23.0, 17.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


async def upload(
    api: httpx.AsyncClient,
    serial: str,
    data: bytes,
    phase: str = "before",
    filename: str = "photo.jpg",
) -> httpx.Response:
    return await api.post(
        f"/cases/{serial}/attachments",
        files={"file": (filename, data, "image/jpeg")},
        data={"phase": phase},
    )


def photo_id_of(response: httpx.Response) -> int:
    """The new photo's id, from the Location the upload answers with."""
    return int(response.headers["location"].rsplit("/", 1)[1])


async def new_case(lead: httpx.AsyncClient, street: str = "110112001") -> str:
    serial: str = (await report(lead, await grid_in(lead, street)))["serial"]
    return serial


async def test_upload_lists_the_photo_logs_an_event_and_serves_it(
    photo_server: Server, seeded: Seeded
) -> None:
    async with client(photo_server, seeded, "lead") as lead:
        serial = await new_case(lead)
        response = await upload(lead, serial, jpeg(), "before")
        assert response.status_code == 201, response.text
        assert response.json()["case"]["version"] >= 2
        case = (await lead.get(f"/cases/{serial}")).json()
        [photo] = [a for a in case["attachments"] if a.get("id")]
        assert photo["phase"] == "before" and photo["media_type"] == "image/jpeg"
        assert response.headers["location"] == photo["ref"]
        assert photo["by"] and photo["at"] and (photo["width"], photo["height"]) == (64, 48)
        assert case["timeline"][-1]["action"] == "attach"
        assert case["timeline"][-1]["data"]["photo"] == photo["id"]

        full = await lead.get(f"/cases/{serial}/attachments/{photo['id']}")
        assert full.status_code == 200 and full.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(full.content)).size == (64, 48)
        thumb = await lead.get(f"/cases/{serial}/attachments/{photo['id']}/thumbnail")
        assert thumb.status_code == 200
        assert Image.open(io.BytesIO(thumb.content)).format == "JPEG"


async def test_a_file_that_claims_to_be_a_jpeg_but_is_not_is_refused(
    photo_server: Server, seeded: Seeded
) -> None:
    async with client(photo_server, seeded, "lead") as lead:
        serial = await new_case(lead)
        fake = await upload(lead, serial, b"<html>not a photo</html>" * 10, filename="x.jpg")
        assert fake.status_code == 422
        assert fake.headers["content-type"] == "application/problem+json"
        assert "not a JPEG, PNG or WebP" in fake.json()["detail"]
        # The right magic bytes with garbage after them: Pillow's verify refuses it.
        truncated = await upload(lead, serial, b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50)
        assert truncated.status_code == 422
        assert "not a valid one" in truncated.json()["detail"]
        # The file's name does not matter: a real PNG called .jpg is accepted as PNG.
        png = io.BytesIO()
        Image.new("RGB", (8, 8), (0, 90, 0)).save(png, "PNG")
        named_wrong = await upload(lead, serial, png.getvalue(), filename="photo.jpg")
        assert named_wrong.status_code == 201, named_wrong.text
        png_id = photo_id_of(named_wrong)
        served = await lead.get(f"/cases/{serial}/attachments/{png_id}")
        assert served.headers["content-type"] == "image/png"
        missing_phase = await lead.post(
            f"/cases/{serial}/attachments", files={"file": ("p.jpg", jpeg(), "image/jpeg")}
        )
        assert missing_phase.status_code == 422 and "phase" in missing_phase.json()["detail"]
        not_multipart = await lead.post(f"/cases/{serial}/attachments", content=jpeg())
        assert not_multipart.status_code == 415
        detail = await lead.get(f"/cases/{serial}")
        assert sum(1 for a in detail.json()["attachments"] if a.get("id")) == 1


async def test_an_oversized_photo_is_refused_with_413(photo_server: Server, seeded: Seeded) -> None:
    async with client(photo_server, seeded, "lead") as lead:
        serial = await new_case(lead)
        padding = jpeg()[:-2] + b"\x00" * (MAX_BYTES + 10_000) + b"\xff\xd9"
        just_over = await upload(lead, serial, padding)
        assert just_over.status_code == 413, just_over.text
        assert just_over.headers["content-type"] == "application/problem+json"
        assert "the limit is 1 MB" in just_over.json()["detail"]
        far_over = await upload(lead, serial, b"\xff\xd8\xff" + b"\x00" * (3 * MAX_BYTES))
        assert far_over.status_code == 413
        assert far_over.headers["content-type"] == "application/problem+json"
        assert (await lead.get(f"/cases/{serial}")).json()["attachments"] == []


async def test_exif_gps_is_stripped_from_what_is_served(
    photo_server: Server, seeded: Seeded
) -> None:
    original = jpeg((10, 120, 200), gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the test's premise
    async with client(photo_server, seeded, "lead") as lead:
        serial = await new_case(lead)
        response = await upload(lead, serial, original)
        assert response.status_code == 201, response.text
        photo_id = photo_id_of(response)
        served = (await lead.get(f"/cases/{serial}/attachments/{photo_id}")).content
    exif = Image.open(io.BytesIO(served)).getexif()
    assert GPS_IFD not in exif and not exif.get_ifd(GPS_IFD)
    assert 0x010F not in exif  # maker data goes too; only orientation and time stay
    assert exif.get(0x0112) == 1
    assert b"TestCam" not in served


async def test_the_same_photo_twice_is_stored_once(
    photo_server: Server, seeded: Seeded, photo_dir: Path
) -> None:
    data = jpeg((1, 2, 3))
    async with client(photo_server, seeded, "lead") as lead:
        first, second = await new_case(lead), await new_case(lead)
        a = await upload(lead, first, data)
        b = await upload(lead, second, data, phase="after")
        assert a.status_code == b.status_code == 201
        ida, idb = photo_id_of(a), photo_id_of(b)
        assert ida != idb
        body_a = (await lead.get(f"/cases/{first}/attachments/{ida}")).content
        body_b = (await lead.get(f"/cases/{second}/attachments/{idb}")).content
    assert body_a == body_b
    sha = hashlib.sha256(body_a).hexdigest()
    assert stored_files(photo_dir, sha) == [f"{sha}.jpg", f"{sha}.thumb.jpg"]


def stored_files(root: Path, sha: str) -> list[str]:
    return sorted(p.name for p in root.rglob(f"{sha}*"))


async def test_a_user_outside_the_case_scope_cannot_fetch_its_photos(
    photo_server: Server, seeded: Seeded
) -> None:
    async with (
        client(photo_server, seeded, "lead") as lead,
        client(photo_server, seeded, "h_hw") as handler,
        client(photo_server, seeded, "h_sz") as other_dept,
        client(photo_server, seeded, "sup002") as other_street,
        client(photo_server, seeded, "leader") as leader,
    ):
        serial = await new_case(lead)
        await act(lead, serial, "file")
        await act(lead, serial, "dispatch", department_code="HW")
        await act(handler, serial, "sign")
        after = await upload(handler, serial, jpeg((0, 200, 0)), phase="after")
        assert after.status_code == 201, after.text
        photo_id = photo_id_of(after)
        base = f"/cases/{serial}/attachments/{photo_id}"
        for outsider in (other_dept, other_street):
            for path in (base, f"{base}/thumbnail"):
                refused = await outsider.get(path)
                assert refused.status_code == 404, path
                assert refused.headers["content-type"] == "application/problem+json"
            assert (await upload(outsider, serial, jpeg())).status_code == 404
        assert (await lead.get(f"{base}/thumbnail")).status_code == 200
        # another case's id under this serial is not found either
        other = await new_case(lead)
        assert (await lead.get(f"/cases/{other}/attachments/{photo_id}")).status_code == 404
        # a leader may look but not upload
        assert (await leader.get(base)).status_code == 200
        assert (await upload(leader, serial, jpeg())).status_code == 403
        # the workflow endpoint does not take "attach"
        assert (await act(lead, serial, "attach", expect=409))["status"] == 409


async def test_bad_uploads_get_problems_never_500(photo_server: Server, seeded: Seeded) -> None:
    async with client(photo_server, seeded, "lead") as lead:
        serial = await new_case(lead)
        path = f"/cases/{serial}/attachments"
        broken = await lead.post(
            path,
            content=b'--xyz\r\nContent-Disposition: form-data; name="file"\r\n\r\nno end',
            headers={"content-type": "multipart/form-data; boundary=xyz"},
        )
        no_boundary = await lead.post(
            path, content=b"abc", headers={"content-type": "multipart/form-data"}
        )
        two_files = await lead.post(
            path,
            files=[
                ("file", ("a.jpg", jpeg(), "image/jpeg")),
                ("file", ("b.jpg", jpeg(), "image/jpeg")),
            ],
            data={"phase": "before"},
        )
        bad_phase = await lead.post(
            path, files={"file": ("a.jpg", jpeg(), "image/jpeg")}, data={"phase": "during"}
        )
        long_note = await lead.post(
            path,
            files={"file": ("a.jpg", jpeg(), "image/jpeg")},
            data={"phase": "before", "note": "注" * 201},
        )
        for response in (broken, no_boundary, two_files, bad_phase, long_note):
            assert 400 <= response.status_code < 500, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["detail"]
        assert (await lead.get(f"{path}/0")).status_code == 422
        assert (await lead.get(f"{path}/99999999999999999999")).status_code == 422
        assert (await lead.get(f"{path}/2147483647")).status_code == 404
        await act(lead, serial, "void", reason="重复上报")
        closed = await upload(lead, serial, jpeg())
        assert (
            closed.status_code == 409
            and closed.headers["content-type"] == "application/problem+json"
        )
        assert (await lead.get(f"/cases/{serial}")).json()["attachments"] == []


async def test_a_retried_upload_with_the_same_key_attaches_once(
    photo_server: Server, seeded: Seeded
) -> None:
    async with client(photo_server, seeded, "lead") as lead:
        serial = await new_case(lead)
        body = {
            "files": {"file": ("a.jpg", jpeg((9, 9, 9)), "image/jpeg")},
            "data": {"phase": "before"},
        }
        headers = {"Idempotency-Key": f"photo-{serial}"}
        request = lead.build_request(
            "POST", f"/cases/{serial}/attachments", headers=headers, **body
        )
        first = await lead.send(request)
        again = await lead.send(request)  # the very same bytes, as the client's retry sends
        assert first.status_code == again.status_code == 201
        assert again.headers.get("idempotent-replayed") == "true"
        case = (await lead.get(f"/cases/{serial}")).json()
        assert len(case["attachments"]) == 1
        assert [e["action"] for e in case["timeline"]].count("attach") == 1
