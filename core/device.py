"""Which torch device a ``--device`` value means, for every tool alike (training, tracking, measuring).

Why one place: the tools share one default (``auto``: this process's GPU when there is one, else the CPU) and
one set of accepted values, and a GPU asked for on a machine without one is a user error with one line, not a
CUDA traceback from deep inside the first forward pass.
"""
import torch

from core.errors import TrackingError

#: the help text of every tool's --device option
DEVICE_HELP = ("torch device for learned networks: auto (this process's GPU when there is one, else the CPU), "
               "cpu, cuda or cuda:N (default: auto)")


def add_device_argument(parser) -> None:
    """The ``--device`` option, with the same default and help in every tool."""
    parser.add_argument("--device", default="auto", metavar="auto|cpu|cuda|cuda:N", help=DEVICE_HELP)


def choose_device(requested: str = "auto", local_rank: int = 0) -> torch.device:
    """``auto``: GPU ``local_rank`` when there is one, else the CPU; otherwise the device asked for (a bare
    ``cuda`` meaning GPU ``local_rank``, as ``torchrun`` starts one process per GPU)."""
    if requested == "auto":
        return torch.device(f"cuda:{local_rank}") if torch.cuda.is_available() else torch.device("cpu")
    try:
        device = torch.device(requested)
    except (RuntimeError, ValueError):
        raise TrackingError(f"--device {requested!r}: expected auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise TrackingError(f"--device {requested}: no CUDA GPU on this machine; use --device cpu or auto")
        if device.index is None:
            device = torch.device(f"cuda:{local_rank}")
    return device
