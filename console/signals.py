"""What the app publishes to its screens and widgets.

The model (:mod:`console.model`) knows no Textual; the app forwards each of its topics
onto one of these signals, and publishes its own (language, progress, handover) here
too.  A screen or widget subscribes when it mounts and unsubscribes when it unmounts.
Textual's :class:`~textual.signal.Signal` skips a subscriber that is being removed and
publishes nothing once the app is shutting down, so no tick or event reaches a widget
that is not mounted.  Callbacks run on the subscriber's own message queue (``view``
subscribers may ask to be called at once), so an error in one fails loudly.
"""

from __future__ import annotations

from textual.dom import DOMNode
from textual.signal import Signal

from backend_client.wire import Handover
from console.model import Changes, ConsoleModel, LinkStatus, Tick, ViewChanged


class ConsoleSignals:
    def __init__(self, owner: DOMNode) -> None:
        self.snapshot: Signal[bool] = Signal(owner, "snapshot")  # True for the first page
        self.changed: Signal[Changes] = Signal(owner, "changed")
        self.ticked: Signal[Tick] = Signal(owner, "ticked")
        self.view: Signal[ViewChanged] = Signal(owner, "view")
        self.link: Signal[LinkStatus] = Signal(owner, "link")
        self.progress: Signal[str] = Signal(owner, "progress")
        self.tags_cleared: Signal[None] = Signal(owner, "tags_cleared")
        self.language: Signal[str] = Signal(owner, "language")
        # The signed handover waiting for this lead's acknowledgement, or None.
        self.handover: Signal[Handover | None] = Signal(owner, "handover")

    def follow(self, model: ConsoleModel) -> None:
        """Forward every change the model publishes onto the matching signal."""
        model.snapshot.subscribe(self.snapshot.publish)
        model.changed.subscribe(self.changed.publish)
        model.ticked.subscribe(self.ticked.publish)
        model.view_changed.subscribe(self.view.publish)
        model.link_changed.subscribe(self.link.publish)

    def unsubscribe(self, node: DOMNode) -> None:
        """Drop every subscription of ``node`` (call it from ``on_unmount``)."""
        for signal in vars(self).values():
            signal.unsubscribe(node)
