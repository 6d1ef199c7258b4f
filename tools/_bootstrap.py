"""Put the repository root first on ``sys.path`` so ``python tools/x.py`` works from any folder and our own
``datasets`` package wins over the PyPI package of that name. Each tool imports this first."""
import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parents[1])
if ROOT in sys.path:
    sys.path.remove(ROOT)
sys.path.insert(0, ROOT)
