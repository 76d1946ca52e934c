"""The Open311 GeoReport v2 façade against the live server: the standard's schemas and
element names, a full round trip, channel keys (scope, rate, revocation), bad input."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.api.helpers import act, detail
from tests.api.open311_helpers import ISO_SECONDS, add_key, cli, error_list, validate, xml
from tests.conftest import Api, Seeded, Server

pytestmark = pytest.mark.slow
DISTRICT = "110112"
SERVICE = "matter-06042"  # 垃圾箱满溢 class of matters


@pytest.fixture(scope="module")
def keys(seeded: Seeded) -> dict[str, tuple[int, str]]:
    return {
        "wechat": add_key(seeded, "wechat", DISTRICT),
        "street": add_key(seeded, "hotline", f"{DISTRICT}001"),
    }


@pytest.fixture
def o311(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server.url}/open311/v2", timeout=30.0) as client:
        yield client


def grid(api_server: Server, seeded: Seeded, street: str = "001") -> str:
    lead = {"Authorization": f"Bearer {seeded.tokens['lead']}"}
    cells = httpx.get(f"{api_server.api}/grids", headers=lead).json()
    return str(next(c["code"] for c in cells if c["code"].startswith(f"{DISTRICT}{street}")))


def post(client: httpx.Client, key: str, fmt: str = "json", **fields: Any) -> httpx.Response:
    form = {"api_key": key, "service_code": SERVICE, "description": "垃圾箱满溢", **fields}
    return client.post(f"/requests.{fmt}", data={k: v for k, v in form.items() if v is not None})


def test_discovery_and_services_in_both_formats_and_languages(o311: httpx.Client) -> None:
    found = o311.get("/discovery.json").json()
    assert found["endpoints"][0]["specification"].endswith("GeoReport_v2")
    assert xml(o311.get("/discovery.xml")).find("endpoints/endpoint/formats/format") is not None
    services = o311.get("/services.json").json()
    validate("services.json", services)
    by_code = {s["service_code"]: s for s in services}
    assert by_code[SERVICE]["service_name"] == "垃圾箱满溢" or by_code[SERVICE]["service_name"]
    assert by_code[SERVICE]["type"] == "realtime" and by_code[SERVICE]["metadata"] is True
    assert "06042" in by_code[SERVICE]["keywords"] and by_code[SERVICE]["group"]
    english = {s["service_code"]: s for s in o311.get("/services.json?locale=en").json()}
    header = {
        s["service_code"]: s
        for s in o311.get("/services.json", headers={"Accept-Language": "en-GB,en"}).json()
    }
    assert english[SERVICE]["service_name"] == header[SERVICE]["service_name"]
    assert english[SERVICE]["service_name"] != by_code[SERVICE]["service_name"]
    assert english[SERVICE]["service_name"].isascii()
    root = xml(o311.get("/services.xml?jurisdiction_id="))  # empty = absent
    assert root.tag == "services"
    codes = [s.findtext("service_code") for s in root.findall("service")]
    assert SERVICE in codes and len(codes) == len(services)
    assert root.find("service/metadata").text == "true"  # type: ignore[union-attr]


def test_service_definition_has_urgency_and_the_component_object_id(o311: httpx.Client) -> None:
    component = next(
        s["service_code"]
        for s in o311.get("/services.json").json()
        if s["service_code"].startswith("component-")
    )
    definition = o311.get(f"/services/{component}.json").json()
    validate("service-definition.json", definition)
    codes = [a["code"] for a in definition["attributes"]]
    assert codes == ["urgency", "object_id"]
    matter = o311.get(f"/services/{SERVICE}.json").json()
    assert [a["code"] for a in matter["attributes"]] == ["urgency"]
    assert {v["key"] for v in matter["attributes"][0]["values"]} == {"normal", "urgent"}
    root = xml(o311.get(f"/services/{component}.xml"))
    assert root.tag == "service_definition"
    assert [a.findtext("code") for a in root.findall("attributes/attribute")] == codes
    assert root.find("attributes/attribute/values/value/key") is not None
    for fmt in ("json", "xml"):
        assert "matter-99999" in error_list(o311.get(f"/services/matter-99999.{fmt}"), 404)


@pytest.mark.asyncio
async def test_round_trip_form_post_then_dispatch_and_close_through_the_api(
    o311: httpx.Client, api: Api, server: Server, seeded: Seeded, keys: dict[str, Any]
) -> None:
    key = keys["wechat"][1]
    code = grid(server, seeded)
    posted = post(
        o311,
        key,
        address_id=code,
        first_name="李",
        last_name="雷",
        phone="13900001111",
        email="li@example.cn",
        **{"attribute[urgency]": "urgent"},
    )
    assert posted.status_code == 201, posted.text
    validate("requests.json", posted.json())
    [answer] = posted.json()
    serial = answer["service_request_id"]
    assert isinstance(serial, str) and answer["status"] == "open"
    public = httpx.AsyncClient(base_url=f"{server.url}/open311/v2", params={"api_key": key})
    got = await public.get(f"/requests/{serial}.json")
    validate("requests.json", got.json())
    [seen] = got.json()
    assert seen["status_notes"] == "已收到，等待受理" and seen["address_id"] == code
    for field in ("requested_datetime", "updated_datetime"):
        assert ISO_SECONDS.match(seen[field]), seen[field]
    for secret in ("13900001111", "li@example.cn", "李 雷"):
        assert secret not in got.text
    async with api.client("lead") as lead:
        case = await detail(lead, serial)
        assert case["state"] == "reported" and case["source"] == "wechat"
        assert case["urgency"] == "urgent"
        assert case["reporters"][0]["email"] == "li@example.cn"  # kept for the callback
        await act(lead, serial, "request_verification")
        sup = f"sup{code[6:9]}"
        async with api.client(sup) as supervisor:
            await act(supervisor, serial, "confirm_report", truthful=True)
        await act(lead, serial, "file")
        dispatched = await act(lead, serial, "dispatch")
        [open_now] = (await public.get(f"/requests/{serial}.json")).json()
        assert open_now["agency_responsible"] == dispatched["department_name"]
        assert open_now["status_notes"].startswith(f"已派遣至{dispatched['department_name']}")
        assert ISO_SECONDS.match(open_now["expected_datetime"])
        async with api.client(f"h_{dispatched['department_code'].lower()}") as handler:
            await act(handler, serial, "sign")
            await act(handler, serial, "report_disposal", note="内部备注：已清运")
        await act(lead, serial, "verify", passed=True)
    [closed] = (await public.get(f"/requests/{serial}.json")).json()
    assert closed["status"] == "closed" and closed["status_notes"].startswith("已结案")
    assert "内部备注" not in str(closed)
    root = xml(await public.get(f"/requests/{serial}.xml"))
    await public.aclose()
    assert root.tag == "service_requests"
    assert root.findtext("request/status") == "closed"
    assert root.findtext("request/service_request_id") == serial


def test_get_requests_filters_pages_and_extensions(
    o311: httpx.Client, server: Server, seeded: Seeded, keys: dict[str, Any]
) -> None:
    key = keys["wechat"][1]
    code = grid(server, seeded)
    serials = [
        post(o311, key, address_id=code, description=f"第{n}处").json()[0]["service_request_id"]
        for n in range(3)
    ]
    listed = o311.get("/requests.json", params={"api_key": key, "jurisdiction_id": ""})
    validate("requests.json", listed.json())
    by_id = o311.get(
        "/requests.json",
        params={"api_key": key, "service_request_id": ",".join(serials[:2]), "status": "closed"},
    ).json()
    assert sorted(r["service_request_id"] for r in by_id) == sorted(serials[:2])  # overrides
    page = o311.get("/requests.json", params={"api_key": key, "page_size": "2", "page": "1"})
    assert len(page.json()) == 2
    extended = o311.get(
        "/requests.json",
        params={"api_key": key, "service_request_id": serials[0], "extensions": "true"},
    ).json()[0]["extended_attributes"]
    assert extended["state"] == "待受理" and extended["grid_code"] == code
    assert extended["channel"] == "wechat"
    none = o311.get("/requests.json", params={"api_key": key, "service_request_id": "nope"})
    assert none.json() == []
    empty = xml(o311.get("/requests.xml", params={"api_key": key, "service_request_id": "nope"}))
    assert empty.tag == "service_requests" and list(empty) == []
    span = o311.get(
        "/requests.json",
        params={
            "api_key": key,
            "start_date": "2026-01-01T00:00:00+08:00",
            "end_date": "2026-06-01",
        },
    )
    assert "90 days" in error_list(span, 400)
    assert "token" in o311.get(f"/tokens/{serials[0]}.json", params={"api_key": key}).json()[0]


def test_idempotency_key_and_automatic_retry_window_create_one_case(
    o311: httpx.Client, server: Server, seeded: Seeded, keys: dict[str, Any]
) -> None:
    key = keys["wechat"][1]
    form = {"api_key": key, "service_code": SERVICE, "address_id": grid(server, seeded)}
    first = o311.post("/requests.json", data=form, headers={"Idempotency-Key": "wx-1"})
    again = o311.post("/requests.json", data=form, headers={"Idempotency-Key": "wx-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    device = {**form, "device_id": "phone-7", "description": "同一条，重发"}
    a = o311.post("/requests.xml", data=device)
    b = o311.post("/requests.xml", data=device)
    assert xml(a).findtext("request/service_request_id") == xml(b).findtext(
        "request/service_request_id"
    )
    other = o311.post("/requests.json", data={**device, "device_id": "phone-8"})
    assert other.json()[0]["service_request_id"] != xml(a).findtext("request/service_request_id")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_input_answers_the_standard_error_list_never_500(
    o311: httpx.Client, server: Server, seeded: Seeded, keys: dict[str, Any], fmt: str
) -> None:
    key = keys["wechat"][1]
    code = grid(server, seeded)
    assert "Say where" in error_list(post(o311, key, fmt), 400)
    unknown = post(o311, key, fmt, address_id=code, service_code="matter-99999")
    assert "service_code" in error_list(unknown, 400)
    assert "not a channel key" in error_list(post(o311, "bogus", fmt, address_id=code), 403)
    assert "api_key" in error_list(post(o311, "", fmt, address_id=code), 403)
    huge = post(o311, key, fmt, address_id=code, description="垃" * (10 * 1024 * 1024 // 3))
    assert "larger than" in error_list(huge, 400)
    long_text = post(o311, key, fmt, address_id=code, description="x" * 4001)
    assert "4000" in error_list(long_text, 400)
    broken = o311.post(
        f"/requests.{fmt}",
        content=b"api_key=" + key.encode() + b"&service_code=%ff%fe&description=a",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert "urlencoded" in error_list(broken, 400)
    not_json = o311.post(
        f"/requests.{fmt}", content=b"{nope", headers={"content-type": "application/json"}
    )
    assert "JSON" in error_list(not_json, 400)
    assert "lat" in error_list(post(o311, key, fmt, lat="north", long="116.6"), 400)
    assert error_list(o311.get(f"/requests.{fmt}"), 403)
    assert error_list(o311.get(f"/requests/2026-110112-999999.{fmt}?api_key={key}"), 404)
    assert error_list(o311.get(f"/requests.{fmt}?api_key={key}&page_size=0"), 400)
    assert error_list(o311.get(f"/services.{fmt}?jurisdiction_id=999999"), 404)
    assert error_list(o311.delete(f"/requests.{fmt}"), 405)
    assert error_list(o311.get(f"/nothing-here.{fmt}"), 404)


def test_json_post_and_address_string_and_a_photo(
    o311: httpx.Client, api: Api, server: Server, seeded: Seeded, keys: dict[str, Any]
) -> None:
    key = keys["wechat"][1]
    lead = {"Authorization": f"Bearer {seeded.tokens['lead']}"}
    nodes, flat = httpx.get(f"{server.api}/regions", headers=lead).json(), []
    while nodes:
        node = nodes.pop()
        flat.append(node)
        nodes.extend(node["children"])
    names = [r["name"] for r in flat if r["kind"] != "grid"]
    community = next(
        r for r in flat if r["kind"] == "community" and sum(r["name"] in n for n in names) == 1
    )
    sent = o311.post(
        "/requests.json",
        json={
            "api_key": key,
            "service_code": SERVICE,
            "address_string": f"北京市{community['name']}东门",
            "attribute": {"urgency": "normal"},
        },
    )
    assert sent.status_code == 201, sent.text
    assert sent.json()[0]["address_id"].startswith(community["code"])
    image = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(image, "JPEG")
    with_photo = o311.post(
        "/requests.json",
        data={"api_key": key, "service_code": SERVICE, "address_id": grid(server, seeded)},
        files={"media": ("p.jpg", image.getvalue(), "image/jpeg")},
    )
    assert with_photo.status_code == 201, with_photo.text
    serial = with_photo.json()[0]["service_request_id"]
    case = httpx.get(f"{server.api}/cases/{serial}", headers=lead).json()
    photos = [a for a in case["attachments"] if a.get("id")]
    assert len(photos) == 1 and photos[0]["phase"] == "before"
    not_photo = o311.post(
        "/requests.json",
        data={"api_key": key, "service_code": SERVICE, "address_id": grid(server, seeded)},
        files={"media": ("p.jpg", b"GIF89a not a jpeg", "image/jpeg")},
    )
    assert "JPEG" in error_list(not_photo, 400)


def test_a_key_reports_and_reads_only_inside_its_jurisdiction(
    o311: httpx.Client, server: Server, seeded: Seeded, keys: dict[str, Any]
) -> None:
    street_key = keys["street"][1]
    elsewhere = grid(server, seeded, "002")
    assert "jurisdiction" in error_list(post(o311, street_key, address_id=elsewhere), 403)
    serial = post(o311, keys["wechat"][1], address_id=elsewhere).json()[0]["service_request_id"]
    assert error_list(o311.get(f"/requests/{serial}.json?api_key={street_key}"), 404)
    mine = post(o311, street_key, address_id=grid(server, seeded, "001"))
    assert mine.status_code == 201 and mine.json()[0]["address_id"].startswith(f"{DISTRICT}001")


def test_rate_limit_is_429_with_retry_after(o311: httpx.Client, seeded: Seeded) -> None:
    _id, key = add_key(seeded, "app", DISTRICT, rate=2)
    statuses = [o311.get("/requests.json", params={"api_key": key}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = o311.get("/requests.xml", params={"api_key": key})
    assert "requests a minute" in error_list(limited, 429)
    assert int(limited.headers["Retry-After"]) >= 1


def test_a_revoked_key_is_refused_within_a_second(o311: httpx.Client, seeded: Seeded) -> None:
    key_id, key = add_key(seeded, "handheld", DISTRICT)
    assert o311.get("/requests.json", params={"api_key": key}).status_code == 200
    assert "revoked" in cli(seeded, "keys", "revoke", str(key_id))
    revoked_at = time.monotonic()
    while (status := o311.get("/requests.json", params={"api_key": key}).status_code) == 200:
        assert time.monotonic() - revoked_at < 1.0, "still accepted a second after revoking"
    assert status == 403
    assert "revoked" in error_list(o311.get("/requests.json", params={"api_key": key}), 403)
    listed = cli(seeded, "keys", "list")
    assert any(line.split()[0] == str(key_id) and "revoked" in line for line in listed.splitlines())
