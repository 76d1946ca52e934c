"""The wire schema: the one definition of every JSON body citygrid sends or accepts.

The backend validates requests and serialises responses with these models, and
the typed client parses responses with them, so the two sides cannot drift.
Only pydantic is imported: the console and simulator stay free of fastapi and
sqlalchemy.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    model_validator,
)

from backend_client.eventdata import AnyEventData, typed_data
from backend_client.text import MULTI_LINE_PATTERN
from backend_client.vocab import (
    DEFAULT_TIMEZONE,
    Action,
    AreaClass,
    CallbackResult,
    CaseState,
    CategoryKind,
    Light,
    PendingKind,
    RegionKind,
    Role,
    Source,
    Stage,
    TimeUnit,
    Urgency,
)
from backend_client.wirebase import ATTACHMENT_NOTE_MAX as ATTACHMENT_NOTE_MAX
from backend_client.wirebase import NOTE_MAX as NOTE_MAX
from backend_client.wirebase import AttachmentRef as AttachmentRef
from backend_client.wirebase import Flag as Flag
from backend_client.wirebase import Note as Note
from backend_client.wirebase import Serial as Serial
from backend_client.wirebase import WireModel as WireModel
from backend_client.wirebase import line as line

DESCRIPTION_MAX = 4000  # Open311 caps descriptions at 4,000 characters; so do we.
TIMELINE_PAGE = 200  # timeline entries a case detail carries unless asked for fewer
TIMELINE_PAGE_MAX = 1000
SERIALS_MAX = 200  # the cases one list request may name (GET /cases?serial=)

GridCodeStr = Annotated[str, StringConstraints(pattern=r"^[0-9]{15}$")]
CategoryCodeStr = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]


Lon = Annotated[float, Strict(), Field(ge=-180, le=180)]
Lat = Annotated[float, Strict(), Field(ge=-90, le=90)]


class FieldProblem(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built at first use (see WireModel)

    field: str
    problem: str


class Problem(BaseModel):
    """RFC 9457 problem details; ``detail`` is a sentence an operator can act on.

    The extension members below are the ones the server sends; any may be absent, and
    a server may add others.
    """

    model_config = ConfigDict(extra="allow", defer_build=True)  # see WireModel

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldProblem] | None = None  # 400/422: each bad field
    field: str | None = None  # 422: the field the sentence is about
    state: str | None = None  # 409: the case's state now
    action: str | None = None  # 403/409/422: the action refused
    missing: list[str] | None = None  # 422: the fields the action needs
    role: str | None = None  # 403: the role refused
    serial: str | None = None  # 404: the case looked for
    current_version: int | None = None  # 409: the case's version now
    last_actor: str | None = None  # 409: who moved the case last
    updated_at: str | None = None  # 409: when


# --- reference data -------------------------------------------------------------------------


class RegionNode(WireModel):
    code: str
    name: str
    kind: RegionKind
    area_class: AreaClass
    children: list[RegionNode] = []


class GridPublic(WireModel):
    code: str
    name: str
    area_class: AreaClass
    street_code: str
    street_name: str
    community_code: str
    community_name: str
    centroid: tuple[float, float]
    geometry: dict[str, Any]


class GridCell(WireModel):
    """A grid's position for the character map: code plus centroid."""

    code: str
    lon: float
    lat: float


class Category(WireModel):
    kind: CategoryKind
    code: str
    name: str
    gloss: str
    big_class: str
    big_class_name: str
    big_class_gloss: str
    local: bool = False


class CategoryCreate(WireModel):
    """A city's local extension class (扩展部件/事项)."""

    kind: CategoryKind
    code: CategoryCodeStr
    name: Annotated[str, line(30, min_length=1)]
    gloss: Annotated[str, line(80)] = ""
    big_class_name: Annotated[str, line(30)] = ""
    big_class_gloss: Annotated[str, line(80)] = ""


class Department(WireModel):
    code: str
    name: str
    kind: str
    region_code: str | None = None


class Me(WireModel):
    id: int | None = None  # the user id events carry as ``actor_id``
    username: str
    display_name: str
    role: Role
    jurisdiction_code: str
    jurisdiction_name: str
    department_code: str | None = None
    department_name: str | None = None


class ServerTime(WireModel):
    now: AwareDatetime
    timezone: str = DEFAULT_TIMEZONE  # the working calendar's (IANA name): the centre's clock


class Health(WireModel):
    status: str
    version: str
    database: str
    head_seq: int


# --- cases ----------------------------------------------------------------------------------


class Attachment(AttachmentRef):
    """An attachment as a case lists it.  A photo uploaded to the server
    (``POST /cases/{serial}/attachments``) also has its ``id`` — its ``ref`` is then the
    URL it is served at, with ``/thumbnail`` beside it — and what was stored."""

    id: int | None = None
    media_type: str | None = None
    size: int | None = None  # bytes, as served (location data stripped)
    width: int | None = None
    height: int | None = None
    by: str | None = None
    at: AwareDatetime | None = None

    @property
    def is_photo(self) -> bool:
        return self.id is not None


class Reporter(WireModel):
    name: str = ""
    phone: str = ""
    email: str = ""  # for the callback; never shown to the public (Open311 reads omit it)
    source: Source
    serial: str | None = None  # the case the report arrived as (kept across merges)


class CaseCreate(WireModel):
    """A new report (上报).  Location is a grid code, a point, or both."""

    source: Source
    category_kind: CategoryKind
    category_code: CategoryCodeStr
    description: Annotated[
        str,
        StringConstraints(min_length=1, max_length=DESCRIPTION_MAX, pattern=MULTI_LINE_PATTERN),
    ]
    urgency: Urgency = Urgency.NORMAL
    grid_code: GridCodeStr | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    address: Annotated[str, line(256)] = ""
    reporter_name: Annotated[str, line(50)] = ""
    reporter_phone: Annotated[str, StringConstraints(pattern=r"^[0-9+\- ]{0,20}$")] = ""
    reporter_email: Annotated[str, line(100)] = ""
    attachments: Annotated[list[AttachmentRef], Field(max_length=20)] = []
    self_disposed: Flag = False  # 自处置: a supervisor fixed it on the spot


class ActionRequest(WireModel):
    """One workflow action.  Which fields an action needs is decided by the state machine."""

    action: Action
    department_code: Annotated[str, line(32)] | None = None
    reason: Note | None = None
    note: Note | None = None
    hours: Annotated[float, Strict(), Field(gt=0, le=24 * 365)] | None = None  # extension asked for
    approve: Flag | None = None  # decide
    passed: Flag | None = None  # verify
    truthful: Flag | None = None  # confirm_report
    target: Serial | None = None  # merge into
    supervisor: Annotated[str, line(64)] | None = None
    result: CallbackResult | None = None  # callback (回访)
    attachments: Annotated[list[AttachmentRef], Field(max_length=20)] = []


class StageDeadline(WireModel):
    stage: Stage
    started_at: AwareDatetime
    warn_at: AwareDatetime
    due_at: AwareDatetime
    unit: TimeUnit
    limit_label: str
    done_at: AwareDatetime | None = None
    paused_at: AwareDatetime | None = None


class CaseSummary(WireModel):
    """A queue row.  Carried by every event so consoles never need to refetch."""

    serial: str
    state: CaseState
    source: Source
    category_kind: CategoryKind
    category_code: str
    category_name: str
    grid_code: str
    street_code: str
    address: str
    summary: str  # the description, cut to a queue-friendly length
    urgency: Urgency
    department_code: str | None = None
    department_name: str | None = None
    rework_count: int = 0
    supervised: bool = False
    urge_count: int = 0
    pending: PendingKind | None = None
    stage: Stage | None = None
    warn_at: AwareDatetime | None = None
    deadline_at: AwareDatetime | None = None
    paused_at: AwareDatetime | None = None
    light: Light = Light.NONE  # at the moment the server produced this row
    merged_into: str | None = None
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime


class TimelineEntry(WireModel):
    seq: int
    action: Action
    actor: str
    actor_role: Role
    at: AwareDatetime
    data: AnyEventData  # the model for ``action`` (see ``backend_client.eventdata``)

    _typed = model_validator(mode="before")(typed_data)


class CaseDetail(CaseSummary):
    description: str
    lon: float | None = None
    lat: float | None = None
    area_class: AreaClass
    verified: bool | None = None
    self_disposed: bool = False
    reporters: list[Reporter] = []
    attachments: list[Attachment] = []
    deadlines: list[StageDeadline] = []
    extension_hours: float = 0.0
    pending_detail: dict[str, Any] | None = None
    checker: str | None = None
    suggested_department: Department | None = None
    # For a filed case: the sign-for deadline a dispatch now would set, and the disposal
    # limit that follows it (shown in the dispatch dialog).
    dispatch_preview: StageDeadline | None = None
    dispose_limit: str | None = None
    allowed_actions: list[Action] = []
    # One page of the timeline, oldest first: the newest ``timeline_limit`` entries (or
    # those before ``timeline_before``).  ``timeline_older`` is the seq to pass as
    # ``timeline_before`` for the page before this one, None when this page starts it.
    timeline: list[TimelineEntry] = []
    timeline_older: int | None = None


class CasePage(WireModel):
    items: list[CaseSummary]
    next_cursor: str | None = None
    as_of_seq: int


class ActionResult(WireModel):
    """What a write answers: the case's queue row (with its new ``version``) and the seq
    of the event it appended.  The detail and timeline are read on ``GET /cases/{serial}``
    — an action's cost must not grow with the case's history."""

    case: CaseSummary
    seq: int


# --- events ---------------------------------------------------------------------------------


class Event(WireModel):
    """One row of the append-only event log, as streamed (``id`` = ``seq``)."""

    seq: int
    serial: str
    action: Action
    actor: str  # display name (two users may share one)
    actor_id: int | None = None  # the user who sent it
    actor_role: Role
    at: AwareDatetime
    data: AnyEventData  # the model for ``action``
    case: CaseSummary

    _typed = model_validator(mode="before")(typed_data)


class CaseGone(WireModel):
    """In place of an event you may see about a case you may no longer see (your
    department lost it, or it left your jurisdiction): drop its row.  It carries the
    seq and serial only — nothing of where the case went.  SSE ``event: gone``."""

    seq: int
    serial: str


GONE_EVENT = "gone"  # the SSE event name of a CaseGone

FeedItem = Event | CaseGone


class Resync(WireModel):
    """Sent on the stream when a client cannot continue event by event: too far
    behind, or ahead of the log (a restored database).  Reload ``/cases``."""

    reason: str
    head_seq: int


class EventPage(WireModel):
    items: list[FeedItem]
    head_seq: int
    resync: Resync | None = None  # set (and items empty) when ``after`` is ahead of the head


class GridStat(WireModel):
    grid_code: str
    open: int
    overdue: int
    supervised: int


class GridStats(WireModel):
    items: list[GridStat]
    as_of: AwareDatetime
    as_of_seq: int


# --- shift handover (交接班) -----------------------------------------------------------------

CHECK_REMARK_MAX = 200
HANDOVER_LIST_CASES = 20  # cases a snapshot lists by serial per heading (counts are full)


class ShiftInfo(WireModel):
    id: str
    zh: str
    en: str
    start: str  # local "HH:MM"
    end: str  # local "HH:MM" ("24:00" = midnight)


class CheckItemDef(WireModel):
    id: str
    zh: str
    en: str


class CurrentShift(WireModel):
    """The shift on duty now, the one that takes over, and the handover checklist."""

    shift: ShiftInfo
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    next: ShiftInfo
    lead: str | None = None  # you, when you are a shift lead (值班长)
    handover_id: int | None = None  # this shift's handover in your jurisdiction, if built
    checklist: list[CheckItemDef]
    due_within_working_hours: float


class CheckEntry(WireModel):
    id: Annotated[str, line(32, 1)]
    checked: bool = False
    remark: Annotated[str, line(CHECK_REMARK_MAX)] = ""


class HandoverCreate(WireModel):
    """The outgoing lead's part; the snapshot is computed by the server."""

    notes: Note = ""
    checklist: list[CheckEntry] = Field(default_factory=list, max_length=100)


class CaseRef(WireModel):
    serial: str
    state: CaseState
    grid_code: str
    category_name: str
    deadline_at: AwareDatetime | None = None


class HandoverSnapshot(WireModel):
    """What the shift leaves open, computed from the cases and the event log at ``as_of``."""

    as_of: AwareDatetime
    open_total: int
    open_by_state: dict[str, int]
    due_within_working_hours: float
    due_soon: int
    due_soon_cases: list[CaseRef]
    pending: dict[str, int]  # by PendingKind value
    supervised: int
    urged: int
    went_overdue: int
    went_overdue_cases: list[CaseRef]
    filed: int
    dispatched: int
    closed: int


class Handover(WireModel):
    id: int
    status: Literal["draft", "signed", "acknowledged"]
    jurisdiction_code: str
    shift: ShiftInfo
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    to_shift: ShiftInfo
    author: str
    author_name: str
    created_at: AwareDatetime
    notes: str
    checklist: list[CheckEntry]
    snapshot: HandoverSnapshot
    signed_at: AwareDatetime | None = None
    acknowledged_at: AwareDatetime | None = None
    acknowledged_by: str | None = None
    acknowledged_by_name: str | None = None
    version: int


class HandoverPage(WireModel):
    items: list[Handover]
