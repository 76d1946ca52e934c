"""Services are the catalogue's classes (GB/T 47678.5 components and matters, and the
centre's local extensions), grouped by big class, named in Chinese or in English.

A service code is ``matter-06042`` or ``component-01001``.  Every service has the
urgency attribute; a component also takes its object id (部件标识码).
"""

from __future__ import annotations

from typing import Any

from backend.models import CategoryRow
from backend_client.labels import label
from backend_client.vocab import CategoryKind, Urgency

URGENCY = "urgency"
OBJECT_ID = "object_id"
OBJECT_ID_MAX = 32


def service_code(kind: str, code: str) -> str:
    return f"{kind}-{code}"


def parse_service_code(text: str) -> tuple[str, str] | None:
    kind, sep, code = text.partition("-")
    if not sep or kind not in set(CategoryKind) or not (len(code) == 5 and code.isdigit()):
        return None
    return kind, code


def _name(cat: CategoryRow, lang: str) -> str:
    return cat.gloss if lang == "en" and cat.gloss else cat.name


def _group(cat: CategoryRow, lang: str) -> str:
    return cat.big_class_gloss if lang == "en" and cat.big_class_gloss else cat.big_class_name


def service(cat: CategoryRow, lang: str) -> dict[str, Any]:
    kind = CategoryKind(cat.kind)
    keywords = [cat.name, cat.gloss, cat.big_class_name, cat.big_class_gloss, cat.code]
    return {
        "service_code": service_code(cat.kind, cat.code),
        "service_name": _name(cat, lang),
        "description": f"{label(kind, lang)} {cat.code} · {_group(cat, lang)} · {_name(cat, lang)}",
        "metadata": True,
        "type": "realtime",
        "keywords": ",".join(k for k in keywords if k),
        "group": _group(cat, lang),
    }


def services(categories: list[CategoryRow], lang: str) -> list[dict[str, Any]]:
    ordered = sorted(categories, key=lambda c: (c.kind, c.big_class, c.code))
    return [service(c, lang) for c in ordered]


def attributes(cat: CategoryRow, lang: str) -> list[dict[str, Any]]:
    en = lang == "en"
    found: list[dict[str, Any]] = [
        {
            "variable": True,
            "code": URGENCY,
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "normal or urgent" if en else "一般或紧急",
            "order": 1,
            "description": "Urgency" if en else "紧急程度",
            "values": [{"key": u.value, "name": label(u, lang)} for u in Urgency],
        }
    ]
    if cat.kind == CategoryKind.COMPONENT.value:
        found.append(
            {
                "variable": True,
                "code": OBJECT_ID,
                "datatype": "string",
                "required": False,
                "datatype_description": (
                    "the component's object id, as painted or tagged on it"
                    if en
                    else "部件上标注的标识码"
                ),
                "order": 2,
                "description": "Component object id" if en else "部件标识码",
            }
        )
    return found


def definition(cat: CategoryRow, lang: str) -> dict[str, Any]:
    return {"service_code": service_code(cat.kind, cat.code), "attributes": attributes(cat, lang)}
