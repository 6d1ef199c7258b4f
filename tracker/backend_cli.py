"""The ``--backend`` and ``--threads`` options of every tool that runs trackers (test_tracker, demo)."""
from core.errors import TrackingError
from tracker.onnx_network import BACKENDS


def add_backend_arguments(parser) -> None:
    parser.add_argument("--backend", choices=BACKENDS, default="torch",
                        help="what runs a learned tracker's network: torch (default) or onnxruntime (CPU; "
                             "--tracker may then also be a folder of tools/export_onnx.py)")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="--backend onnxruntime: threads per network session (default: one per core)")


def check_backend_arguments(args) -> None:
    if args.threads is not None and args.backend != "onnxruntime":
        raise TrackingError("--threads sets onnxruntime's threads; use it with --backend onnxruntime "
                            "(PyTorch follows OMP_NUM_THREADS)")
