"""One side of ``bench_training.py --baseline``: trains a config with the code of one source tree, in steps asked for
on stdin, and answers each request with one JSON line (the steps' losses, wall and CPU seconds).

    python benchmarks/training_worker.py ROOT CONFIG THREADS [KEY=VALUE ...]

Why a process per side: the old and the new code are two copies of the same packages, which one interpreter cannot
import side by side; each worker puts its ``ROOT`` first on ``sys.path``. It uses only the trainer's long-standing
API (``Trainer(run, output, ctx, resume)``, ``trainer.pairs``, ``trainer.train_step``), so it runs any revision's
code. Batches come from the run's own pairs in the trainer's epoch order (same seed: the same pairs on both sides);
only ``train_step`` is timed, since data loading is not what is compared.
"""
import itertools
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path


def batches(trainer, run):
    """The run's batches in training order, epoch after epoch, as :meth:`Trainer.run` draws them."""
    from torch.utils.data import DataLoader

    from training.sampling import EpochSampler

    sampler = EpochSampler(trainer.pairs, 1, 0, run.train.seed)
    for epoch in itertools.count():
        trainer.pairs.set_epoch(epoch)
        sampler.start(epoch)
        loader = DataLoader(trainer.pairs, batch_size=run.train.batch_size, sampler=sampler, drop_last=True,
                            num_workers=run.train.workers)
        yield from itertools.islice(loader, run.steps_per_epoch)


def main(argv) -> int:
    root, config, threads, overrides = argv[0], argv[1], int(argv[2]), argv[3:]
    sys.path.insert(0, root)
    reply = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout = sys.stderr  # anything the project prints must not mix with the replies
    warnings.simplefilter("ignore")
    try:  # the process setup that revision's tools do (tools/_bootstrap.py), where it has one
        from core.allocator import keep_freed_memory
    except ImportError:
        pass
    else:
        keep_freed_memory()
    import torch

    from core.config import apply_overrides, load_yaml
    from training import distributed
    from training.config import parse_run_config
    from training.trainer import Trainer

    torch.set_num_threads(threads)
    run = parse_run_config(apply_overrides(load_yaml(config), overrides), config)
    with tempfile.TemporaryDirectory() as tmp:
        trainer = Trainer(run, Path(tmp), distributed.setup("cpu"), resume=False)
    stream = batches(trainer, run)
    reply.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        steps = int(line)
        todo = list(itertools.islice(stream, steps))
        wall, cpu = time.perf_counter(), time.process_time()
        losses = [trainer.train_step(batch)["loss"] for batch in todo]
        reply.write(json.dumps({"losses": losses, "wall_s": time.perf_counter() - wall,
                                "cpu_s": time.process_time() - cpu}) + "\n")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Exception as exc:  # that revision's own error class, imported from its tree: matched by name
        if type(exc).__name__ != "TrackingError":
            raise
        print(f"error ({sys.argv[1]}): {exc}", file=sys.stderr)
        sys.exit(2)
