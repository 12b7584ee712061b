"""Garbage collection in the serving process.

Streamlit runs a full `gc.collect(2)` after every script run by default (runner.postScriptGC): on
the resident home that was about 156 ms of CPU per rerun, two thirds of the page's cost, because a
full collection walks every object of the process (modules, catalogs, the grid index, caches).
.streamlit/config.toml switches it off; Python's own generational collector still runs (its
thresholds collect young cycles often and old ones when they have grown by a quarter). After the
first script run of the process the objects alive then (imported modules, loaded catalogs) are
moved out of the collector's view with `gc.freeze()`, so later full collections skip them.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen = False


def freeze_after_warm_up() -> None:
    """Once per process, after its first script run: collect, then freeze what survived."""
    global _frozen
    with _lock:
        if _frozen:
            return
        _frozen = True
    gc.collect()
    gc.freeze()
