"""Load a command-line tool from ``tools/`` as a module, so tests can call its functions in-process."""
import importlib.util
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[1] / "tools"


def load_tool(name: str, monkeypatch):
    """``tools/<name>.py`` as a fresh module (``tools/`` put on ``sys.path`` for its ``_bootstrap`` import)."""
    monkeypatch.syspath_prepend(str(TOOLS))
    spec = importlib.util.spec_from_file_location(f"{name}_tool", TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
