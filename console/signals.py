"""What the app publishes to its screens and widgets.

The app owns the model and never calls into a screen: it publishes on these signals,
and a screen or widget subscribes when it mounts and unsubscribes when it unmounts.
Textual's :class:`~textual.signal.Signal` skips a subscriber that is being removed and
publishes nothing once the app is shutting down, so no tick or event reaches a widget
that is not mounted.  Callbacks run on the subscriber's own message queue, so an error
in one fails loudly (it is not swallowed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from textual.dom import DOMNode
from textual.signal import Signal

from backend_client.wire import Handover
from console.guard import Remote
from console.link import LinkStatus
from console.rows import QueueRow
from console.store import Change


@dataclass(frozen=True)
class Tick:
    """Once a second: the cases whose deadline just passed, and whether the view gained rows."""

    overdue: Sequence[QueueRow]
    moved: bool


@dataclass(frozen=True)
class Changes:
    """Store changes from events or action responses; ``moved``: the view's order changed.

    ``remote``: by serial, the events among them that another user sent (not this
    console's own actions echoed back)."""

    changes: Sequence[Change]
    moved: bool
    remote: Mapping[str, Remote] = field(default_factory=dict)


class ConsoleSignals:
    def __init__(self, owner: DOMNode) -> None:
        self.snapshot: Signal[bool] = Signal(owner, "snapshot")  # True for the first page
        self.changed: Signal[Changes] = Signal(owner, "changed")
        self.ticked: Signal[Tick] = Signal(owner, "ticked")
        self.link: Signal[LinkStatus] = Signal(owner, "link")
        self.progress: Signal[str] = Signal(owner, "progress")
        self.tags_cleared: Signal[None] = Signal(owner, "tags_cleared")
        self.language: Signal[str] = Signal(owner, "language")
        # The signed handover waiting for this lead's acknowledgement, or None.
        self.handover: Signal[Handover | None] = Signal(owner, "handover")

    def unsubscribe(self, node: DOMNode) -> None:
        """Drop every subscription of ``node`` (call it from ``on_unmount``)."""
        for signal in vars(self).values():
            signal.unsubscribe(node)
