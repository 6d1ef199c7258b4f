"""Process setup every tool and benchmark imports first: the repository root first on ``sys.path`` (so
``python tools/x.py`` works from any folder and our own ``datasets`` package wins over the PyPI package of that
name), and glibc told to keep freed memory (:mod:`core.allocator`: repeated large tensors without page faults)."""
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT in sys.path:
    sys.path.remove(ROOT)
sys.path.insert(0, ROOT)

from core.allocator import keep_freed_memory  # noqa: E402

keep_freed_memory()
