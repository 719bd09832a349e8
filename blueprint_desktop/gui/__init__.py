"""The thin Qt layer over the headless core: windows, panes, models and workers. Only this package imports Qt."""

# Before any Qt signal is emitted: PySide6 6.12.0 drops references to True/None (see refcount_guard).
from blueprint_desktop.gui import refcount_guard as _refcount_guard  # noqa: F401
