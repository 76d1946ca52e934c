"""The long-lived heap and the cyclic garbage collector.

A full (generation 2) collection walks every object the collector tracks. In a serving
process most of them are made at start-up (modules, the app, the reference data) and live
as long as the process, so each full collection, which a cold ranking's allocations
trigger every few rounds, paused the event loop for 100–200 ms to find nothing among
them. :func:`freeze_start_up` moves them into the collector's permanent generation once
the app has started (:func:`gc.freeze`): full collections then walk only what came later.
"""

from __future__ import annotations

import gc


def freeze_start_up() -> None:
    """Collect what start-up left as garbage, then stop scanning everything still alive."""
    gc.collect()
    gc.freeze()
