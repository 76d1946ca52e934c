"""The case you act on is the case you saw.

When someone else's action changes the row under the cursor (the case leaves the queue
and the cursor falls to its neighbour, or it changes state in place, or it leaves the
operator's sight altogether: a ``gone`` event), the screen says who did what, and an
action key that arrives within :data:`HOLD_SECONDS` of that change is held: the operator
pressed it looking at the old row.  Pressing the key again acts.

"Someone else" is another user id than the signed-in user's: two people may share a
display name, and one's action must not pass for the other's.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend_client.labels import label
from backend_client.vocab import Action, CaseState
from backend_client.wire import Event, Me
from console.i18n import t

HOLD_SECONDS = 1.5


def by_me(event: Event, me: Me | None) -> bool:
    """The event was sent by the signed-in user (by user id; unknown ids are not mine)."""
    return me is not None and me.id is not None and event.actor_id == me.id


@dataclass(frozen=True)
class Remote:
    """Another user's event on a case: who, what, and the state it left the case in.
    A case that left the operator's sight (``gone``) has none of these."""

    serial: str
    actor: str | None = None
    action: Action | None = None
    state: CaseState | None = None

    @classmethod
    def of(cls, event: Event) -> Remote:
        return cls(event.serial, event.actor, event.action, event.case.state)

    @property
    def gone(self) -> bool:
        return self.action is None


@dataclass(frozen=True)
class CursorShift:
    """The row under the cursor changed because of ``remote``; ``now`` is under it now."""

    remote: Remote
    now: str | None
    at: float  # monotonic seconds

    def describe(self, lang: str) -> str:
        """The status-bar sentence: who did what to the case that was on the cursor."""
        r = self.remote
        if r.action is None or r.state is None:
            text = t("guard.gone", lang, serial=r.serial)
        else:
            text = t(
                "guard.changed",
                lang,
                serial=r.serial,
                who=r.actor or "",
                action=label(r.action, lang),
                state=label(r.state, lang),
            )
        if self.now is not None and self.now != r.serial:
            text += t("guard.cursor_now", lang, serial=self.now)
        return text


class CursorGuard:
    """Holds an action key that may have been meant for the row that just changed."""

    def __init__(self, hold_seconds: float = HOLD_SECONDS) -> None:
        self.hold_seconds = hold_seconds
        self.shift: CursorShift | None = None

    def note(
        self,
        before: str | None,
        after: str | None,
        remote: Remote,
        old_state: CaseState | None,
        at: float,
    ) -> None:
        """The cursor was on ``before`` (in ``old_state``); ``remote`` changed that case;
        ``after`` is under the cursor now.  A note or an urge that leaves the row where
        it was, in the same state, changes nothing the operator's next key depends on;
        a case gone from sight has always changed."""
        if before is None or remote.serial != before:
            return
        if remote.gone or after != before or old_state != remote.state:
            self.shift = CursorShift(remote, after, at)

    def forget(self) -> None:
        self.shift = None

    def hold(self, target: str, at: float) -> CursorShift | None:
        """The shift to tell the operator about if an action on ``target`` must wait.

        Held once: the next press acts.  A key after the moment, or on a row the
        operator moved to on purpose, is not held."""
        shift = self.shift
        if shift is None or at - shift.at >= self.hold_seconds or target != shift.now:
            return None
        self.shift = None
        return shift
