"""The training loop: :func:`train` runs (or resumes) a run described by a :class:`RunConfig`.

A step draws one global batch of pairs, computes the mode's objective (:mod:`training.objective`) under mixed
precision when asked (``amp`` on CUDA, ``cpu_bf16`` on the CPU), stops the run if the loss is not finite (all
processes together, keeping the last good checkpoint), and takes an optimiser step with gradient clipping and the
step-wise learning-rate schedule. The main process logs the global batch's loss terms every ``log_interval``
steps and checkpoints every ``checkpoint_interval`` steps and at the end, where it also writes the model weights
(safetensors) and the resolved config beside them. With several processes, BatchNorm uses the global batch's
statistics (``sync_batchnorm``, :mod:`training.batchnorm`), so N processes train the network one process would.
"""
import functools
import itertools
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import yaml
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from tqdm import tqdm

from core.config import from_dict
from core.errors import TrackingError
from training import distributed
from training.batchnorm import to_global_batchnorm
from training.checkpoint import CHECKPOINT_NAME, load_checkpoint, restore, save_checkpoint
from training.config import RunConfig
from training.data import build_pairs
from training.objective import TrainingObjective
from training.optim import build_optimizer, build_scheduler
from training.runlog import RunLog
from training.sampling import EpochSampler, SeededPairs, to_device_batch

WEIGHTS_NAME = "model.safetensors"
CONFIG_NAME = "config.yaml"


@dataclass
class TrainResult:
    step: int
    pairs_seen: int
    wall_s: float
    checkpoint: Path
    weights: Path
    terms: dict
    processes: int  # all of which ended with the same weights (checked)


def train(run: RunConfig, output, resume: bool = False, device: str = "auto") -> TrainResult:
    """Train (or with ``resume`` continue) the run in folder ``output``; works alone or under ``torchrun``."""
    ctx = distributed.setup(device)
    try:
        result = Trainer(run, Path(output), ctx, resume).run()
        # a gloo process that destroys its group while a peer still works can be aborted ("terminate called
        # without an active exception"); a failed process skips this, so its peers are not left waiting
        distributed.barrier(ctx)
        return result
    finally:
        distributed.teardown(ctx)


class Trainer:
    """The live state of one run in one process: model, objective (DDP-wrapped when distributed), optimiser,
    schedule, scaler, data, step counter."""

    def __init__(self, run: RunConfig, output: Path, ctx, resume: bool):
        cfg = run.train
        if cfg.batch_size % ctx.world_size:
            raise TrackingError(f"train.batch_size {cfg.batch_size} is not divisible by the {ctx.world_size} "
                                f"processes")
        self.run_cfg, self.cfg, self.output, self.ctx = run, cfg, output, ctx
        self.per_rank = cfg.batch_size // ctx.world_size
        self.ckpt_path = output / CHECKPOINT_NAME
        if not resume and self.ckpt_path.exists():
            raise TrackingError(f"{output} already holds a run ({CHECKPOINT_NAME}); pass --resume to continue it "
                                f"or choose another --output")
        seed_everything(cfg.seed)
        self.pairs = SeededPairs(build_pairs(run.data, cfg.seed), cfg.seed)
        self.model = build_network(run.model)
        layout = self.model.memory_format if cfg.channels_last else torch.contiguous_format
        self.model = self.model.to(ctx.device, memory_format=layout)
        count_share = None
        if ctx.distributed:
            if cfg.sync_batchnorm:  # before the IEN hooks, the optimiser and DDP take hold of the modules
                self.model = to_global_batchnorm(self.model, ctx.device.type)
            count_share = functools.partial(distributed.mean_over_processes, ctx)
        objective = TrainingObjective(self.model, cfg, anchors_for(run, self.model), count_share).to(ctx.device)
        self.net = objective
        if ctx.distributed:
            ids = [ctx.device] if ctx.device.type == "cuda" else None
            self.net = DistributedDataParallel(objective, device_ids=ids)
        self.optimizer = build_optimizer(self.model.parameters(), cfg)
        self.scheduler = build_scheduler(self.optimizer, cfg, run.total_steps)
        self.autocast = autocast_dtype(cfg, ctx.device)
        self.scaler = torch.amp.GradScaler(ctx.device.type, enabled=self.autocast == torch.float16)
        self.step, self.wall, self.last_good = 0, 0.0, None
        if resume:
            self._resume()
        if ctx.is_main:  # the config as run (after overrides): with the weights, it builds the tracker
            output.mkdir(parents=True, exist_ok=True)
            (output / CONFIG_NAME).write_text(yaml.safe_dump(run.raw, sort_keys=False))

    def _resume(self) -> None:
        payload = load_checkpoint(self.ckpt_path)
        restore(payload, model=self.model, optimizer=self.optimizer, scheduler=self.scheduler, scaler=self.scaler)
        self.step = self.last_good = payload["step"]
        self.wall = float(payload["extra"].get("wall_s", 0.0))
        changed = changed_settings(payload["config"], self.run_cfg.raw)
        if changed and self.ctx.is_main:
            tqdm.write(f"resuming at step {self.step} with changed settings: {'; '.join(changed)}")

    def run(self) -> TrainResult:
        run, cfg, ctx = self.run_cfg, self.cfg, self.ctx
        log = RunLog(self.output, self.step, ctx.is_main)
        bar = tqdm(total=run.last_step, initial=self.step, unit="step", disable=not ctx.is_main, dynamic_ncols=True)
        sampler = EpochSampler(self.pairs, ctx.world_size, ctx.rank, cfg.seed)
        start_step, start_time = self.step, time.perf_counter()
        terms = {}
        try:
            while self.step < run.last_step:
                epoch, done = divmod(self.step, run.steps_per_epoch)
                self.pairs.set_epoch(epoch)
                sampler.start(epoch, done * self.per_rank)  # a resumed epoch skips the batches already done
                loader = DataLoader(self.pairs, batch_size=self.per_rank, sampler=sampler, num_workers=cfg.workers,
                                    drop_last=True, pin_memory=ctx.device.type == "cuda")
                for batch in itertools.islice(loader, min(run.steps_per_epoch - done, run.last_step - self.step)):
                    terms = self.train_step(batch)
                    self.step += 1
                    elapsed = time.perf_counter() - start_time
                    rate = (self.step - start_step) * cfg.batch_size / max(elapsed, 1e-9)
                    bar.update(1)
                    bar.set_postfix({k: f"{v:.3g}" for k, v in terms.items() if "/" not in k and k != "lr"}
                                    | {"pairs/s": f"{rate:.1f}"})
                    if self.step % cfg.log_interval == 0 or self.step == run.last_step:
                        log.write({"step": self.step, "epoch": epoch, "pairs_seen": self.step * cfg.batch_size,
                                   "wall_s": self.wall + elapsed, "pairs_per_s": rate} | terms)
                    if self.step % cfg.checkpoint_interval == 0 or self.step == run.last_step:
                        self.save_checkpoint(epoch, self.wall + elapsed)
                del loader
        finally:
            bar.close()
            log.close()
        self.wall += time.perf_counter() - start_time
        return self.finish(terms)

    def train_step(self, batch) -> dict:
        """One optimiser step; returns the loss terms of the global batch as floats. A non-finite loss stops the
        run."""
        cfg = self.cfg
        set_train_mode(self.model, cfg.freeze_batchnorm)
        b = to_device_batch(batch, self.ctx.device)
        with torch.autocast(self.ctx.device.type, dtype=self.autocast, enabled=self.autocast is not None):
            total, terms = self.net(b["z"], b["x"], b["box"], b["positive"], b["seed"])
        # the global batch's values (means of the processes' equal shares); a non-finite loss on any process
        # makes the mean non-finite, so all processes stop together
        stacked = torch.stack([total.detach().float(), *(v.detach().float() for v in terms.values())])
        values = dict(zip(["loss", *terms], distributed.mean_over_processes(self.ctx, stacked).tolist()))
        values["lr"] = self.optimizer.param_groups[0]["lr"]  # the rate this step uses
        if not np.isfinite(values["loss"]):
            self.stop_on_bad_loss(values)
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(total).backward()
        if cfg.grad_clip > 0:
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.scheduler.step()
        return values

    def stop_on_bad_loss(self, values: dict):
        shown = ", ".join(f"{k}={v:.4g}" for k, v in values.items() if k != "lr")
        kept = (f"last good checkpoint {self.ckpt_path} (step {self.last_good}) kept" if self.last_good is not None
                else "no checkpoint had been written yet")
        raise TrackingError(f"loss is not finite at step {self.step + 1} ({shown}); training stopped, {kept}")

    def save_checkpoint(self, epoch: int, wall: float) -> None:
        if self.ctx.is_main:
            save_checkpoint(self.ckpt_path, model=self.model, optimizer=self.optimizer, scheduler=self.scheduler,
                            scaler=self.scaler, step=self.step, epoch=epoch, config=self.run_cfg.raw,
                            extra={"wall_s": wall})
        distributed.barrier(self.ctx)
        self.last_good = self.step

    def finish(self, terms: dict) -> TrainResult:
        """Check that all processes agree, write the weights for the trackers."""
        if not self.cfg.sync_batchnorm:  # per-process BatchNorm statistics: keep the main process's, as DDP does
            distributed.broadcast_buffers(self.ctx, self.model)
        if not distributed.weights_agree(self.ctx, self.model):
            raise RuntimeError(f"the {self.ctx.world_size} processes ended with different weights")
        weights = self.output / WEIGHTS_NAME
        if self.ctx.is_main:
            from models.weights import save_weights

            save_weights(self.model, weights, {"model": self.run_cfg.model, "tracker": self.run_cfg.tracker,
                                               "step": self.step, "mode": self.cfg.mode})
        return TrainResult(step=self.step, pairs_seen=self.step * self.cfg.batch_size, wall_s=self.wall,
                           checkpoint=self.ckpt_path, weights=weights, terms=terms,
                           processes=self.ctx.world_size)


def changed_settings(old: dict, new: dict, prefix: str = "") -> list:
    """``key: old -> new`` for every setting that differs between two config mappings (shown on resume, since a
    changed schedule or model would make the resumed run differ from one run straight through)."""
    out = []
    for key in sorted(set(old) | set(new), key=str):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += changed_settings(a, b, f"{prefix}{key}.")
        elif a != b:
            out.append(f"{prefix}{key}: {a!r} -> {b!r}")
    return out


def set_train_mode(model, freeze_batchnorm: bool) -> None:
    """Training mode; with ``freeze_batchnorm`` every BatchNorm uses (and keeps) its running statistics."""
    model.train()
    if freeze_batchnorm:
        for module in model.modules():
            if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.eval()


def autocast_dtype(cfg, device: torch.device):
    """The autocast precision of a step: float16 on CUDA with ``amp`` (with loss scaling), bfloat16 on the CPU with
    ``cpu_bf16`` (its float32 exponent range needs no scaling), else None (float32)."""
    if device.type == "cuda" and cfg.amp:
        return torch.float16
    if device.type == "cpu" and cfg.cpu_bf16:
        return torch.bfloat16
    return None


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def build_network(model_section: dict):
    from models.builder import ModelConfig, build_model

    return build_model(from_dict(ModelConfig, model_section, "model"))


def anchors_for(run: RunConfig, model):
    """SiamRPN++ anchors for a response size, from the ``tracker:`` section the tracker will use (so training
    and tracking agree on them); None for SiamFC."""
    if model.kind != "siamrpn":
        return None
    from tracker.anchors import generate_anchors
    from tracker.siamrpn import SiamRPNConfig

    tcfg = from_dict(SiamRPNConfig, run.tracker, "tracker")
    k = len(tcfg.anchor_ratios) * len(tcfg.anchor_scales)
    if k != model.anchor_num:
        raise TrackingError(f"tracker: {k} anchor shapes (anchor_ratios x anchor_scales) but the model has "
                            f"{model.anchor_num} (model.anchors)")
    return lambda size: generate_anchors(tcfg.anchor_stride, tcfg.anchor_ratios, tcfg.anchor_scales, size)
