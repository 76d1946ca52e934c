"""Client errors → sentences the operator can act on (their input is always kept)."""

from __future__ import annotations

from datetime import datetime

from backend_client.errors import (
    CitygridError,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Unauthorized,
    Unavailable,
)
from backend_client.labels import label
from backend_client.vocab import CaseState
from console.i18n import t
from console.localtime import hhmm


def describe(error: CitygridError, lang: str) -> str:
    if isinstance(error, Conflict):
        who = error.last_actor or "?"
        at = _hhmm(error.extra("updated_at"))
        state = error.state
        state_text = label(CaseState(state), lang) if state in set(CaseState) else ""
        if error.current_version is not None and error.extra("updated_at"):
            return t("err.conflict", lang, who=who, at=at, state=state_text)
        return t("err.refused", lang, detail=str(error))
    if isinstance(error, Unauthorized):
        return t("err.unauthorized", lang, detail=str(error))
    if isinstance(error, Forbidden):
        return t("err.forbidden", lang, detail=str(error))
    if isinstance(error, NotFound):
        return t("err.not_found", lang, detail=str(error))
    if isinstance(error, Invalid):
        return t("err.invalid", lang, detail=str(error))
    if isinstance(error, Unavailable):
        return t("err.offline", lang)
    return str(error)


def _hhmm(value: object) -> str:
    if not isinstance(value, str):
        return "?"
    try:
        return hhmm(datetime.fromisoformat(value))
    except ValueError:
        return "?"
