"""GlobalBatchNorm2d under two gloo processes equals nn.BatchNorm2d on the whole batch in one process."""
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from training.batchnorm import GlobalBatchNorm2d, to_global_batchnorm

BATCH = 6  # 3 per process


def _net() -> nn.Module:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 4, 3, bias=False), nn.BatchNorm2d(4), nn.ReLU(),
                        nn.Sequential(nn.Conv2d(4, 2, 3), nn.BatchNorm2d(2, momentum=None)))
    with torch.no_grad():  # BatchNorm weights away from 1 and 0, so their gradients and effects show
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 2.0)
                m.bias.uniform_(-1.0, 1.0)
    return net


def _data():
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(BATCH, 3, 9, 9, generator=gen) * 255  # raw-image range: a large mean over a small spread
    target = torch.randn(BATCH, 2, 5, 5, generator=gen)
    return x, target


def _loss(out, target):
    """Per-sample mean, batch mean (as the task losses), and not linear in the output."""
    return ((out - target) ** 2 + out.sin()).mean()


def _step(net, x, target):
    """One training forward and backward; returns output, input gradient, parameter gradients, buffers."""
    x = x.clone().requires_grad_(True)
    out = net(x)
    _loss(out, target).backward()
    module = net.module if isinstance(net, DistributedDataParallel) else net
    grads = {name: p.grad.clone() for name, p in module.named_parameters()}
    return out.detach(), x.grad, grads, {name: b.clone() for name, b in module.named_buffers()}


def _worker(rank, world, init_file, result_file):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        net = _net()
        keys = list(net.state_dict())
        net = to_global_batchnorm(net, "cpu")
        converted = [type(m) for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
        x, target = _data()
        share = slice(rank * BATCH // world, (rank + 1) * BATCH // world)
        out, xgrad, grads, buffers = _step(DistributedDataParallel(net), x[share], target[share])
        if rank == 0:
            torch.save({"out": out, "xgrad": xgrad, "grads": grads, "buffers": buffers, "converted": converted,
                        "keys_kept": keys == list(net.state_dict())}, result_file)
        dist.barrier()  # as training.trainer.train: no process leaves its group while the other still works
    finally:
        dist.destroy_process_group()


def test_two_processes_equal_one_process_on_the_whole_batch(tmp_path):
    mp.spawn(_worker, args=(2, str(tmp_path / "init"), str(tmp_path / "rank0.pt")), nprocs=2, join=True)
    two = torch.load(tmp_path / "rank0.pt", weights_only=False)
    assert two["converted"] == [GlobalBatchNorm2d, GlobalBatchNorm2d]
    assert two["keys_kept"]  # checkpoints and weights files keep nn.BatchNorm2d's names
    x, target = _data()
    one_out, one_xgrad, one_grads, one_buffers = _step(_net(), x, target)
    half = BATCH // 2
    # rank 0's outputs: normalised with the statistics of the whole batch, not of its half
    assert torch.allclose(two["out"], one_out[:half], rtol=1e-5, atol=1e-5)
    # a process's input gradient is that of the sum of both processes' losses (each a half-batch mean): twice
    # the whole-batch mean's; it reaches rank 0's samples also through rank 1's loss, via the shared statistics
    assert torch.allclose(two["xgrad"], 2 * one_xgrad[:half], rtol=1e-4, atol=1e-7)
    for name, grad in one_grads.items():  # DDP's average of the processes' gradients
        assert torch.allclose(two["grads"][name], grad, rtol=1e-4, atol=1e-6), name
    for name, buffer in one_buffers.items():  # running mean, unbiased running variance, batch counter
        assert torch.allclose(two["buffers"][name], buffer, rtol=1e-5, atol=1e-6), name
    assert one_buffers["1.running_var"].abs().max() > 1.0  # scaled-up statistics: a wrong variance would show


def test_per_process_statistics_differ_from_the_whole_batch():
    """The comparison above can fail: each half of the batch alone gives other outputs and running statistics."""
    x, target = _data()
    one_out, _, _, one_buffers = _step(_net(), x, target)
    half_out, _, _, half_buffers = _step(_net(), x[:BATCH // 2], target[:BATCH // 2])
    assert not torch.allclose(half_out, one_out[:BATCH // 2], rtol=1e-3, atol=1e-3)
    assert not torch.allclose(half_buffers["1.running_mean"], one_buffers["1.running_mean"], rtol=1e-3)


def test_conversion_keeps_the_tensors_and_eval_mode_is_plain_batchnorm():
    net = _net()
    before = {name: t for name, t in net.state_dict(keep_vars=True).items()}
    converted = to_global_batchnorm(net, "cpu")
    after = converted.state_dict(keep_vars=True)
    assert all(after[name] is tensor for name, tensor in before.items())  # the optimiser's tensors, not copies
    x, _ = _data()
    converted.eval()
    reference = _net().eval()
    assert torch.equal(converted(x), reference(x))
