"""The data an event carries, one model per action: the tagged union of event data.

The tag is the event's own ``action`` (beside ``data`` in a timeline entry, a streamed
event and the event table), so the stored and streamed JSON is the plain object it
always was; :func:`parse_data` picks the model for an action.  The workflow core
returns these models, ``CaseService`` stores them, the API serialises them and the
client hands them to the console, which turns them into sentences.

Every action's data echoes the request fields that were given (nothing left at its
default); the core adds what it decided: ``outcome`` (a branch other than ``ok``),
``due_at`` (the running stage's new due instant), and per action the department,
checker, request or granted hours.  Fields that are not there are not serialised.
"""

from __future__ import annotations

import operator
from functools import partial
from typing import Any, ClassVar, Literal, cast

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from backend_client.vocab import (
    Action,
    AttachmentPhase,
    CallbackResult,
    PendingKind,
    Source,
    Urgency,
)
from backend_client.wirebase import AttachmentRef

# ``value is None`` as a C callable: the serialiser calls it for every optional field of
# every event it writes, and a Python function's frame made that a sixth of the cost.
_absent = partial(operator.is_, None)


def _opt(description: str = "") -> Any:
    return Field(default=None, exclude_if=_absent, description=description or None)


class EventData(BaseModel):
    """What every action's data may hold: the request's fields, the outcome and due."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        serialize_by_alias=True,
        defer_build=True,  # built at first use, like the wire models (see WireModel)
    )
    ACTION: ClassVar[Action]

    department_code: str | None = _opt("the department asked for (dispatch)")
    reason: str | None = _opt()
    note: str | None = _opt()
    hours: float | None = _opt("hours asked for, or granted by an approved extension")
    approve: bool | None = _opt()
    passed: bool | None = _opt()
    truthful: bool | None = _opt()
    target: str | None = _opt("the case merged into")
    supervisor: str | None = _opt("the supervisor asked to check (username)")
    result: CallbackResult | None = _opt("what the callback (回访) found out")
    attachments: list[AttachmentRef] | None = _opt("photos the action carried")
    outcome: str | None = _opt("the state machine's branch, when not the only one")
    due_at: AwareDatetime | None = _opt("the running stage's due instant after the action")

    def wire(self) -> dict[str, Any]:
        """The JSON object stored and sent (absent fields left out)."""
        return self.model_dump(mode="json", by_alias=True)

    def json_text(self) -> str:
        """:meth:`wire` as compact JSON text, straight from the model's serialiser (the
        history seeder writes millions of these)."""
        return self.__pydantic_serializer__.to_json(self).decode()


class ReportData(EventData):
    ACTION = Action.REPORT
    source: Source
    urgency: Urgency
    category: str  # ``kind:code``, e.g. ``matter:06010``
    self_disposed: bool


class RequestVerificationData(EventData):
    ACTION = Action.REQUEST_VERIFICATION


class ConfirmReportData(EventData):
    ACTION = Action.CONFIRM_REPORT


class FileData(EventData):
    ACTION = Action.FILE


class VoidData(EventData):
    ACTION = Action.VOID


class DispatchData(EventData):
    ACTION = Action.DISPATCH
    department: str  # the department's code


class SignData(EventData):
    ACTION = Action.SIGN


class RequestReturnData(EventData):
    ACTION = Action.REQUEST_RETURN


class RequestExtensionData(EventData):
    ACTION = Action.REQUEST_EXTENSION


class RequestSuspensionData(EventData):
    ACTION = Action.REQUEST_SUSPENSION


class DecideData(EventData):
    ACTION = Action.DECIDE
    request: PendingKind  # what was decided


class ResumeData(EventData):
    ACTION = Action.RESUME


class ReportDisposalData(EventData):
    ACTION = Action.REPORT_DISPOSAL


class AssignCheckData(EventData):
    ACTION = Action.ASSIGN_CHECK
    checker: str  # the supervisor's display name


class VerifyData(EventData):
    ACTION = Action.VERIFY


class ReopenData(EventData):
    ACTION = Action.REOPEN


class MergeData(EventData):
    """On the merged case: ``target``; on the case merged into: ``from`` and ``role``."""

    ACTION = Action.MERGE
    from_: str | None = Field(default=None, alias="from", exclude_if=_absent)
    role: Literal["target"] | None = _opt()


class UnmergeData(EventData):
    ACTION = Action.UNMERGE
    from_: str | None = Field(default=None, alias="from", exclude_if=_absent)
    role: Literal["target"] | None = _opt()


class SuperviseData(EventData):
    ACTION = Action.SUPERVISE


class UrgeData(EventData):
    ACTION = Action.URGE


class CommentData(EventData):
    ACTION = Action.COMMENT


class CallbackData(EventData):
    """回访: ``result`` is required; ``redo`` says whether the centre's policy sent a
    dissatisfied case back for redo (重办)."""

    ACTION = Action.CALLBACK
    result: CallbackResult
    redo: bool | None = _opt("a dissatisfied callback reopened the case for redo (重办)")


class AttachData(EventData):
    """A photo uploaded to the case (``POST /cases/{serial}/attachments``)."""

    ACTION = Action.ATTACH
    photo: int  # the photo's id
    phase: AttachmentPhase
    media_type: str
    size: int  # bytes, as served


AnyEventData = (
    ReportData
    | RequestVerificationData
    | ConfirmReportData
    | FileData
    | VoidData
    | DispatchData
    | SignData
    | RequestReturnData
    | RequestExtensionData
    | RequestSuspensionData
    | DecideData
    | ResumeData
    | ReportDisposalData
    | AssignCheckData
    | VerifyData
    | ReopenData
    | MergeData
    | UnmergeData
    | SuperviseData
    | UrgeData
    | CommentData
    | AttachData
    | CallbackData
)

DATA_MODELS: dict[Action, type[EventData]] = {
    model.ACTION: model
    for model in (
        ReportData,
        RequestVerificationData,
        ConfirmReportData,
        FileData,
        VoidData,
        DispatchData,
        SignData,
        RequestReturnData,
        RequestExtensionData,
        RequestSuspensionData,
        DecideData,
        ResumeData,
        ReportDisposalData,
        AssignCheckData,
        VerifyData,
        ReopenData,
        MergeData,
        UnmergeData,
        SuperviseData,
        UrgeData,
        CommentData,
        AttachData,
        CallbackData,
    )
}


def parse_data(action: Action | str, data: Any) -> EventData:
    """``data`` (a JSON object, or already a model) as the model for ``action``."""
    # ``Action(action)`` is a Python call the workflow core would pay per step.
    model = DATA_MODELS[action if isinstance(action, Action) else Action(action)]
    if isinstance(data, model):
        return data
    if isinstance(data, EventData):
        data = data.wire()
    # the validator itself: ``model_validate`` adds a wrapper the workflow core pays per step
    return cast(EventData, model.__pydantic_validator__.validate_python(data))


def data_for(action: Action, **fields: Any) -> EventData:
    """The data model for ``action`` made from Python values (the core's output)."""
    return DATA_MODELS[action].model_validate(fields)


def typed_data(values: Any) -> Any:
    """For a model with ``action`` and ``data`` (a timeline entry, a streamed event):
    parse ``data`` as that action's model before validation."""
    if isinstance(values, dict) and "action" in values:
        data = values.get("data")
        if data is None or isinstance(data, dict | EventData):
            try:
                action = Action(values["action"])
            except ValueError:
                return values  # the action's own validation says what is wrong
            return {**values, "data": parse_data(action, data or {})}
    return values
