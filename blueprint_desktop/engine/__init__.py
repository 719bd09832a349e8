"""The adequacy engine: credited providers, nearest distances, county rollups, confidence, targets."""

from blueprint_desktop.engine.arrow_memory import use_system_allocator

use_system_allocator()  # before any frame is read: engine/arrow_memory.py says why
