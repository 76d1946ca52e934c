"""Timeline entries as sentences in the operator's language, from the typed event data.

``03:12 王伟 派遣至 区环境卫生服务中心，时限 12月1日 17:30`` /
``03:12 王伟 dispatched to 区环境卫生服务中心, due 1 Dec 17:30``: the centre's wall clock
(the calendar's timezone) in whole minutes, the day only when it is not today, names
instead of codes where the console knows them, and no raw payload.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from backend_client.eventdata import (
    AssignCheckData,
    AttachData,
    CallbackData,
    ConfirmReportData,
    DecideData,
    DispatchData,
    EventData,
    MergeData,
    ReportData,
    UnmergeData,
    VerifyData,
)
from backend_client.labels import label
from backend_client.vocab import Action, Source, Urgency
from backend_client.wire import TimelineEntry
from console.i18n import Key, normalize_lang, t
from console.localtime import local
from console.photos import phase_label

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Names:
    """What the console knows to name things by: the operator's language, today's date
    on the centre's clock, department names and category names by their codes."""

    lang: str
    today: date
    departments: Mapping[str, str] = field(default_factory=dict)  # code -> name
    categories: Mapping[str, str] = field(default_factory=dict)  # "kind:code" -> name


def moment(value: datetime, names: Names, *, always_day: bool = False) -> str:
    """``03:12`` today, ``12月1日 03:12`` / ``1 Dec 03:12`` on another day."""
    at = local(value)
    hm = at.strftime("%H:%M")
    if at.date() == names.today and not always_day:
        return hm
    month = at.month if normalize_lang(names.lang) == "zh" else MONTHS_EN[at.month - 1]
    return t("tl.day_time", names.lang, month=month, day=at.day, time=hm)


def hours_text(hours: float) -> str:
    return f"{hours:g}"


def _report(data: EventData, n: Names) -> str:
    assert isinstance(data, ReportData)
    key: Key = "tl.report.self_disposed" if data.self_disposed else "tl.report"
    return t(
        key,
        n.lang,
        source=label(Source(data.source), n.lang),
        urgency=label(Urgency(data.urgency), n.lang),
        category=n.categories.get(data.category, data.category),
    )


def _confirm(data: EventData, n: Names) -> str:
    assert isinstance(data, ConfirmReportData)
    return t("tl.confirm_report.true" if data.truthful else "tl.confirm_report.false", n.lang)


def _dispatch(data: EventData, n: Names) -> str:
    assert isinstance(data, DispatchData)
    return t("tl.dispatch", n.lang, department=n.departments.get(data.department, data.department))


def _decide(data: EventData, n: Names) -> str:
    assert isinstance(data, DecideData)
    key: Key = "tl.decide.approve" if data.approve else "tl.decide.reject"
    return t(key, n.lang, request=label(data.request, n.lang))


def _assign(data: EventData, n: Names) -> str:
    assert isinstance(data, AssignCheckData)
    return t("tl.assign_check", n.lang, checker=data.checker)


def _verify(data: EventData, n: Names) -> str:
    assert isinstance(data, VerifyData)
    return t("tl.verify.pass" if data.passed else "tl.verify.fail", n.lang)


def _merge(data: EventData, n: Names) -> str:
    assert isinstance(data, MergeData)
    if data.from_:
        return t("tl.merge.from", n.lang, source=data.from_)
    return t("tl.merge", n.lang, target=data.target or "?")


def _unmerge(data: EventData, n: Names) -> str:
    assert isinstance(data, UnmergeData)
    if data.from_:
        return t("tl.unmerge.from", n.lang, source=data.from_)
    return t("tl.unmerge", n.lang)


def _attach(data: EventData, n: Names) -> str:
    assert isinstance(data, AttachData)
    return t("tl.attach", n.lang, phase=phase_label(data.phase, n.lang))


def _callback(data: EventData, n: Names) -> str:
    assert isinstance(data, CallbackData)
    key: Key = "tl.callback.redo" if data.redo else "tl.callback"
    return t(key, n.lang, result=label(data.result, n.lang))


def _plain(key: Key) -> Callable[[EventData, Names], str]:
    return lambda _data, n: t(key, n.lang)


PHRASES: Mapping[Action, Callable[[EventData, Names], str]] = {
    Action.REPORT: _report,
    Action.REQUEST_VERIFICATION: _plain("tl.request_verification"),
    Action.CONFIRM_REPORT: _confirm,
    Action.FILE: _plain("tl.file"),
    Action.VOID: _plain("tl.void"),
    Action.DISPATCH: _dispatch,
    Action.SIGN: _plain("tl.sign"),
    Action.REQUEST_RETURN: _plain("tl.request_return"),
    Action.REQUEST_EXTENSION: _plain("tl.request_extension"),
    Action.REQUEST_SUSPENSION: _plain("tl.request_suspension"),
    Action.DECIDE: _decide,
    Action.RESUME: _plain("tl.resume"),
    Action.REPORT_DISPOSAL: _plain("tl.report_disposal"),
    Action.ASSIGN_CHECK: _assign,
    Action.VERIFY: _verify,
    Action.REOPEN: _plain("tl.reopen"),
    Action.MERGE: _merge,
    Action.UNMERGE: _unmerge,
    Action.SUPERVISE: _plain("tl.supervise"),
    Action.URGE: _plain("tl.urge"),
    Action.COMMENT: _plain("tl.comment"),
    Action.ATTACH: _attach,
    Action.CALLBACK: _callback,
}


def details(data: EventData, n: Names, shown_due: datetime | None = None) -> str:
    """What follows the phrase: hours, reason, note, photos carried, and the due when it
    is not the one already shown (``shown_due``)."""
    parts: list[str] = []
    if data.hours is not None:
        parts.append(t("tl.with.hours", n.lang, hours=hours_text(data.hours)))
    if data.reason:
        parts.append(t("tl.with.reason", n.lang, reason=data.reason))
    if data.note:
        parts.append(t("tl.with.note", n.lang, note=data.note))
    if data.attachments:
        parts.append(t("tl.with.photos", n.lang, n=len(data.attachments)))
    if data.due_at is not None and data.due_at != shown_due:
        parts.append(t("tl.with.due", n.lang, due=moment(data.due_at, n, always_day=True)))
    return "".join(parts)


def sentence(entry: TimelineEntry, names: Names, shown_due: datetime | None = None) -> str:
    """One timeline entry as a sentence (see the module's docstring)."""
    what = PHRASES[entry.action](entry.data, names)  # the same word order in both languages
    return f"{moment(entry.at, names)} {entry.actor} {what}{details(entry.data, names, shown_due)}"


def sentences(entries: Iterable[TimelineEntry], names: Names) -> list[str]:
    """A timeline, oldest first, as sentences; a due is said only when it changes (every
    action while a clock runs carries it)."""
    said: list[str] = []
    due: datetime | None = None
    for entry in entries:
        said.append(sentence(entry, names, due))
        due = entry.data.due_at
    return said
