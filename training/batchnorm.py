"""BatchNorm over the global batch when several processes train together.

Why: with plain DDP each process normalises with the statistics of its own share of the batch, so two processes
on half-batches train a different network than one process on the whole batch, and their running statistics
drift apart. ``torch.nn.SyncBatchNorm`` fixes this on GPUs (NCCL) but refuses CPU tensors, so CPU runs (gloo)
get :class:`GlobalBatchNorm2d`: it all-reduces each channel's sum, sum of squares and count, normalises with the
global mean and (biased) variance and updates the running statistics with the global unbiased variance, exactly
as ``nn.BatchNorm2d`` does on the whole batch in one process.

The all-reduce is differentiable (:class:`SumOverProcesses` also sums the gradients of the statistics over the
processes in the backward pass), so each process's input gradient is that of the sum of all processes' losses;
DDP then averages the weight gradients, which gives the gradient of the global batch's loss.

Both replacements keep ``nn.BatchNorm2d``'s parameter and buffer names, so checkpoints, weights files and the
trackers that load them are unchanged, and they behave as ``nn.BatchNorm2d`` in eval mode.
"""
import torch
import torch.distributed as dist
from torch import nn


class SumOverProcesses(torch.autograd.Function):
    """Sum of a tensor over the processes. Each process's output feeds its own loss, so the gradient of the sum
    of all losses with respect to one process's input is the sum of all processes' output gradients."""

    @staticmethod
    def forward(ctx, tensor):
        total = tensor.clone(memory_format=torch.contiguous_format)
        dist.all_reduce(total)
        return total

    @staticmethod
    def backward(ctx, grad):
        total = grad.clone(memory_format=torch.contiguous_format)
        dist.all_reduce(total)
        return total


class GlobalBatchNorm2d(nn.BatchNorm2d):
    """``nn.BatchNorm2d`` whose training-mode statistics are those of all processes' inputs together."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not (self.training and dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(x)
        self._check_input_dim(x)
        channels = x.shape[1]
        # sums in float64: var = E[x^2] - E[x]^2 cancels badly in float32 when the mean is large (raw 0..255 input)
        count = torch.full((1,), x.numel() // channels, dtype=torch.float64, device=x.device)
        local = torch.cat([x.sum(dim=(0, 2, 3), dtype=torch.float64),
                           x.square().sum(dim=(0, 2, 3), dtype=torch.float64), count])
        total = SumOverProcesses.apply(local)
        n = total[-1]
        if n.item() < 2:
            raise ValueError(f"BatchNorm needs more than 1 value per channel in training, got input {tuple(x.shape)}")
        mean = total[:channels] / n
        var = (total[channels:2 * channels] / n - mean.square()).clamp(min=0)
        scale = torch.rsqrt(var + self.eps)
        if self.weight is not None:
            scale = scale * self.weight
        shift = -mean * scale
        if self.bias is not None:
            shift = shift + self.bias
        if self.track_running_stats:
            self._update_running_stats(mean.detach(), var.detach() * (n / (n - 1)))
        return x * scale.to(x.dtype)[None, :, None, None] + shift.to(x.dtype)[None, :, None, None]

    @torch.no_grad()
    def _update_running_stats(self, mean: torch.Tensor, unbiased_var: torch.Tensor) -> None:
        """The same moving average as ``nn.BatchNorm2d`` (cumulative when ``momentum`` is None)."""
        self.num_batches_tracked.add_(1)
        factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        for buffer, value in ((self.running_mean, mean), (self.running_var, unbiased_var)):
            buffer.copy_(factor * value.to(buffer.dtype) + (1 - factor) * buffer)


def to_global_batchnorm(module: nn.Module, device_type: str) -> nn.Module:
    """Replace every ``nn.BatchNorm2d`` in ``module`` by ``nn.SyncBatchNorm`` (CUDA) or :class:`GlobalBatchNorm2d`
    (other devices), keeping parameters and buffers (the same tensors); returns ``module`` or its replacement.

    Call before anything keeps references to the BatchNorm modules (forward hooks, optimisers, DDP)."""
    if device_type == "cuda":
        return nn.SyncBatchNorm.convert_sync_batchnorm(module)
    if type(module) is nn.BatchNorm2d:
        replacement = GlobalBatchNorm2d(module.num_features, module.eps, module.momentum, module.affine,
                                        module.track_running_stats)
        replacement.weight, replacement.bias = module.weight, module.bias
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            setattr(replacement, name, getattr(module, name))
        replacement.train(module.training)
        return replacement
    for name, child in module.named_children():
        replaced = to_global_batchnorm(child, device_type)
        if replaced is not child:
            setattr(module, name, replaced)
    return module
