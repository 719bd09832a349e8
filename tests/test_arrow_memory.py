"""The engine runs Arrow on the system allocator (engine/arrow_memory.py), unless the user chose a pool."""

from __future__ import annotations

import os
import subprocess
import sys

CODE = "import blueprint_desktop.engine, pyarrow as pa; print(pa.default_memory_pool().backend_name)"


def _backend(env: dict) -> str:
    done = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_engine_uses_the_system_allocator():
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    assert _backend(env) == "system"


def test_a_pool_the_user_chose_is_kept():
    assert _backend(dict(os.environ, ARROW_DEFAULT_MEMORY_POOL="mimalloc")) == "mimalloc"
