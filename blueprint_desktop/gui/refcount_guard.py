"""Work around PySide6 6.12.0 dropping references to ``True`` / ``False`` / ``None`` (CPython < 3.12).

Measured on this stack (PySide6 6.12.0, CPython 3.11.7): every ``SignalInstance.emit()`` returns ``True``
without taking a reference, so each emit lowers ``True``'s reference count by one, and queued slot calls
carrying ``None`` / ``bool`` arguments lose references the same way. After a few hundred emits (a
scoring run's progress signals, pyqtgraph's range signals) CPython aborts the whole app with
"Fatal Python error: bool_dealloc: deallocating True or False" (or ``none_dealloc``).

These three objects are static singletons that must never be freed, and from CPython 3.12 they are
"immortal" (PEP 683): their count is pinned so high that nothing can bring it to zero. We do the same
on older Pythons by adding 2**40 to their counts once, when the GUI package is imported; this changes
nothing else (their memory is never released either way). ``tests/test_gui_worker.py`` checks that a
million emits would now be survivable.
"""

from __future__ import annotations

import ctypes
import sys

HEADROOM = 1 << 40  # ~10^12 lost references before a count could reach zero


def guard_singletons() -> bool:
    """Pin the reference counts of True, False and None on CPython < 3.12; True when applied."""
    if (
        sys.version_info >= (3, 12)
        or sys.implementation.name != "cpython"
        or getattr(sys, "_bp_refguard", False)
    ):
        return False
    for obj in (True, False, None):
        # ob_refcnt is the first field of every PyObject in CPython release builds.
        ctypes.c_ssize_t.from_address(id(obj)).value += HEADROOM
    sys._bp_refguard = True  # type: ignore[attr-defined] - once per process, even if reimported
    return True


guard_singletons()
