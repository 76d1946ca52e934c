"""Background work that outlives its screen.

A screen's loads await the API, and the operator may pop the screen (or quit) while
one is in flight. Textual removes the screen's children first and cancels its workers
only when the screen itself unmounts, so a load that resumes in between finds its
widgets gone. ``screen_work`` is ``textual.work`` for such loads: a lookup that fails
because the node is leaving ends the load quietly; any other failure still surfaces.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, TypeVar

from textual import work
from textual.css.query import NoMatches
from textual.dom import DOMNode
from textual.worker import Worker

P = ParamSpec("P")
N = TypeVar("N", bound=DOMNode)

Load = Callable[Concatenate[N, P], Coroutine[Any, Any, None]]


def shown(node: DOMNode) -> bool:
    """Still in the app's DOM and not being removed (popped, or the app exiting)."""
    return node.is_attached and not node._pruning


def screen_work(
    *, exclusive: bool = False, group: str = "default"
) -> Callable[[Load[N, P]], Callable[Concatenate[N, P], Worker[None]]]:
    def decorate(load: Load[N, P]) -> Callable[Concatenate[N, P], Worker[None]]:
        @functools.wraps(load)
        async def run(node: N, /, *args: P.args, **kwargs: P.kwargs) -> None:
            try:
                await load(node, *args, **kwargs)
            except NoMatches:
                if shown(node):
                    raise

        return work(run, exclusive=exclusive, group=group)

    return decorate
