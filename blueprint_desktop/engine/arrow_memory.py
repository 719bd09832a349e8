"""Arrow's memory pool for the engine: the C library's allocator, not the mimalloc pyarrow bundles.

A national run's frames hold their text columns in Arrow (``credited.load_locations``), and selecting,
factorising and joining them allocates hundreds of MB in large blocks. With pyarrow's default mimalloc pool
those first allocations were slow on the build box: ``scoring.credited_locations`` on the 1,000,000-location
frame took 1.1-1.2 s on its first two calls and 0.1 s after, against 0.10-0.17 s every time with the
system pool; a whole first score's gather took 5.8-6.5 s against 4.8-5.1 s, and its compute 7.4-8.2 s
against 6.9-7.3 s (three runs each, alternated; docs/performance.md, "Fourth pass").

``ARROW_DEFAULT_MEMORY_POOL``, when set, is the user's choice and is left alone.
"""

from __future__ import annotations

import os

import pyarrow as pa


def use_system_allocator() -> str:
    """Make the system allocator Arrow's default pool (unless ``ARROW_DEFAULT_MEMORY_POOL`` chose one);
    returns the backend in use."""
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        pa.set_memory_pool(pa.system_memory_pool())
    return pa.default_memory_pool().backend_name
