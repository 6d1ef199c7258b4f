"""Process layout of a run: one plain process, or one of several started by ``torchrun``.

Why a small context object: the trainer asks only "which rank am I, how many are we, which device is mine, do I
write files", and the same code serves ``python tools/train_tracker.py`` (world of one, no process group) and
``torchrun --nproc_per_node N tools/train_tracker.py`` (gloo on CPU, NCCL on GPUs). ``torchrun`` announces itself
through the ``RANK``/``WORLD_SIZE``/``LOCAL_RANK`` environment variables, multi-machine runs included.
"""
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from core.device import choose_device


@dataclass(frozen=True)
class DistContext:
    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        """Only the main process logs, shows progress and writes checkpoints."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def setup(requested_device: str = "auto") -> DistContext:
    """Join the process group when started by ``torchrun``; a single process otherwise."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = choose_device(requested_device, local_rank)
    if world_size > 1 and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend=backend, rank=rank, world_size=world_size)
    return DistContext(rank=rank, world_size=world_size, local_rank=local_rank, device=device)


def teardown(ctx: DistContext) -> None:
    if ctx.distributed and dist.is_initialized():
        dist.destroy_process_group()


def weights_agree(ctx: DistContext, model) -> bool:
    """True when every process holds the same weights: the per-tensor sums and sums of squares (float64) of all
    parameters and buffers are gathered and compared exactly with the main process's. DDP should guarantee this;
    checking once at the end of a run catches a broken setup (e.g. a parameter updated outside DDP)."""
    if not ctx.distributed:
        return True
    tensors = [t.detach().double() for t in model.state_dict().values() if t.is_floating_point()]
    mine = torch.stack([v for t in tensors for v in (t.sum(), (t * t).sum())]).to(ctx.device)
    gathered = [torch.empty_like(mine) for _ in range(ctx.world_size)]
    dist.all_gather(gathered, mine)
    return all(torch.equal(gathered[0], other) for other in gathered[1:])


def mean_over_processes(ctx: DistContext, value: torch.Tensor) -> torch.Tensor:
    """The mean of a (gradient-free) tensor over the processes: of per-process loss terms, the global batch's
    terms; as the divisor of one process's sum, it makes the average that DDP takes equal the global sum over the
    global count (masked means whose mask counts differ between the processes' shares of the batch)."""
    if not ctx.distributed:
        return value
    total = value.detach().clone()
    dist.all_reduce(total)
    return total / ctx.world_size


def broadcast_buffers(ctx: DistContext, model) -> None:
    """Give every process the main process's buffers (BatchNorm running statistics kept per process)."""
    if ctx.distributed:
        for buffer in model.buffers():
            dist.broadcast(buffer, src=0)


def barrier(ctx: DistContext) -> None:
    if ctx.distributed:
        dist.barrier()
