"""The one exception type for errors a user can cause (bad files, bad configs, bad arguments).

Why one type: the command-line tools catch exactly this and turn it into a one-line message and exit code 2,
while programming errors still surface as tracebacks. Messages name the file (and line) or the config key and
say what was expected.
"""


class TrackingError(Exception):
    """An error in the user's input: the message names the file, line or key and what was expected."""


def where(path, line=None) -> str:
    """Format a location for messages: ``path`` or ``path:line`` (line 1-based)."""
    return f"{path}:{line}" if line is not None else f"{path}"
