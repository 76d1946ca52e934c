"""App-level messages: the network side talks to the UI only through these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.message import Message

from backend_client.wire import FeedItem, Me
from console.model import LinkState
from console.rows import QueueRow


@dataclass
class SnapshotLoaded(Message):
    """One page of the start-up snapshot.  The first page (the most urgent cases)
    replaces the model and paints at once; later pages add to it."""

    cases: list[QueueRow]
    as_of_seq: int
    me: Me
    offset: float  # server clock minus local clock, seconds
    first: bool = True
    last: bool = True


@dataclass
class CaseEvents(Message):
    """A batch of stream events (batched so a burst costs one repaint); a ``CaseGone``
    among them drops a case this user may no longer see."""

    events: list[FeedItem]


@dataclass
class LinkChanged(Message):
    state: LinkState
    retry_in: float  # seconds until the next attempt
    since: datetime
    error: str = ""


@dataclass
class TokenRefused(Message):
    """The server answered 401: the link has stopped until the console gets a new token."""

    detail: str


@dataclass
class LoadFailed(Message):
    text: str
