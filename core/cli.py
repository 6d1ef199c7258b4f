"""Run a command-line tool's ``main`` so that user errors print a message and exit 2, never a traceback."""
import sys

from core.errors import TrackingError


def run_tool(main, argv=None) -> int:
    """Call ``main(argv)``; map :class:`TrackingError` to exit code 2 and Ctrl-C to 130."""
    try:
        code = main(argv)
    except TrackingError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return int(code or 0)
