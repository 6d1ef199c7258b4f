"""The ``train:`` and ``data:`` sections of a training config, as typed values.

Why two dataclasses and a loader here: a training config file also holds ``model:`` and ``tracker:`` sections,
and each room parses only its own. Everything is parsed and checked before any training starts, so a misspelt
key or a missing dataset folder fails in the first second with a message naming it, not an hour later.
"""
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
from typing import Optional

from core.config import from_dict
from core.errors import TrackingError
from datasets.pairs import PairConfig
from datasets.still_pairs import StillPairConfig
from datasets.synthetic import SyntheticConfig

MODES = ("plain", "rotaug", "ien")
OPTIMIZERS = ("sgd", "adamw")
DECAYS = ("exp", "cosine", "constant")
SOURCE_KINDS = ("got10k", "lasot", "vot", "otb", "folder", "still", "synthetic")


@dataclass
class IENTermConfig:
    """The equivariance term: ``beta * sum_l w_l * E_l`` over the tapped layers, on template and search crops.

    ``group`` also chooses the transformed copies of ``rotaug`` mode, so ``rotaug`` and ``ien`` see the same
    images and differ only by the equivariance term.
    """

    beta: float = 1.0
    group: str = "C4"  # C4 | C8 | D4 | D8 | scale, or a union: C4+scale (models.equivariance.actions.make_group)
    union_weights: list = field(default_factory=list)  # a union's share of pairs per part, in order (empty: equal)
    layers: list = field(default_factory=list)  # module names from model.ien_taps; empty = all of them
    weights: dict = field(default_factory=dict)  # per-layer weights w_l; a layer not listed gets 1.0
    form: str = "pooled"  # EquivarianceLoss form
    on_template: bool = True
    on_search: bool = True


@dataclass
class LossConfig:
    """Task losses: SiamFC's balanced logistic loss, or SiamRPN++'s anchor classification and L1 regression."""

    cls_weight: float = 1.0
    loc_weight: float = 1.2
    positive_radius: float = 16.0  # SiamFC: response cells within this many search-crop pixels are positive
    anchor_pos_iou: float = 0.6  # SiamRPN++: anchors above this IoU with the target are positive
    anchor_neg_iou: float = 0.3  # below this IoU, negative
    anchor_pos_max: int = 16  # at most this many positives per pair
    anchor_total: int = 64  # positives plus sampled negatives per pair


@dataclass
class TrainConfig:
    """Optimisation and run control. The schedule spans ``epochs``; ``max_steps`` only stops the run early
    (the schedule does not change), so a run stopped and resumed equals one run straight through."""

    mode: str = "plain"  # plain | rotaug | ien
    optimizer: str = "sgd"  # sgd | adamw
    lr: float = 1e-2
    lr_end: float = 1e-5  # learning rate at the end of the decay
    momentum: float = 0.9
    weight_decay: float = 5e-4
    warmup_steps: int = 0
    warmup_factor: float = 0.1  # warm-up starts at lr * warmup_factor and rises linearly to lr
    decay: str = "exp"  # exp | cosine | constant, from lr to lr_end after the warm-up
    epochs: int = 50
    batch_size: int = 8  # global batch (all processes together)
    max_steps: int = 0  # stop after this optimiser step (0: run all epochs)
    grad_clip: float = 10.0  # max gradient norm (0: no clipping)
    amp: bool = True  # float16 mixed precision where the device has it (CUDA); ignored on CPU
    cpu_bf16: bool = False  # on the CPU: bfloat16 autocast (no loss scaling needed); ignored on GPUs
    freeze_batchnorm: bool = False  # BatchNorm in eval mode: running statistics, no batch statistics
    sync_batchnorm: bool = True  # several processes: BatchNorm statistics of the global batch (else per process)
    channels_last: bool = True  # train in the model's preferred layout (memory_format); false: plain NCHW
    seed: int = 0
    workers: int = 0  # DataLoader worker processes per training process
    checkpoint_interval: int = 500  # steps between checkpoints (and one at the end)
    log_interval: int = 10  # steps between CSV / TensorBoard rows
    ien: IENTermConfig = field(default_factory=IENTermConfig)
    loss: LossConfig = field(default_factory=LossConfig)

    def __post_init__(self):
        _choice("train.mode", self.mode, MODES)
        _choice("train.optimizer", self.optimizer, OPTIMIZERS)
        _choice("train.decay", self.decay, DECAYS)
        for name in ("epochs", "batch_size", "checkpoint_interval", "log_interval"):
            if getattr(self, name) < 1:
                raise TrackingError(f"train.{name}: must be >= 1, got {getattr(self, name)}")
        if self.lr <= 0 or self.lr_end <= 0:
            raise TrackingError(f"train.lr and train.lr_end must be > 0, got {self.lr} and {self.lr_end}")


@dataclass
class SourceConfig:
    """One source of training pairs. ``path`` is relative to ``data.root`` unless absolute.

    Sequence kinds (``got10k``, ``lasot``, ``vot``, ``otb``, ``folder``) load annotated sequences through
    :func:`datasets.benchmarks.load_benchmark`; ``still`` makes pairs from the images in ``path`` (files or
    folders, unannotated video frames included); ``synthetic`` generates ``count`` sequences from ``seed``.
    """

    kind: str
    path: str = ""
    weight: float = 1.0
    sequences: list = field(default_factory=list)  # only these sequences (empty: all)
    exclude: list = field(default_factory=list)  # never these sequences (a validation split); not even read
    benchmark: str = ""  # load_benchmark name for the kind (default: GOT10k-train, LaSOT, VOT2018, OTB2015, folder)
    frame_range: Optional[int] = None  # this source's max template-search frame distance (default: data.pairs')
    count: int = 1000  # synthetic: number of generated sequences
    seed: int = 0  # synthetic: seed of the generated family
    synthetic: SyntheticConfig = field(default_factory=SyntheticConfig)
    still: StillPairConfig = field(default_factory=StillPairConfig)

    def __post_init__(self):
        _choice("data.sources[].kind", self.kind, SOURCE_KINDS)
        if self.weight <= 0:
            raise TrackingError(f"data.sources[] ({self.kind}): weight must be > 0, got {self.weight}")
        if self.kind != "synthetic" and not self.path:
            raise TrackingError(f"data.sources[] ({self.kind}): needs a path")


@dataclass
class DataConfig:
    """Where pairs come from: weighted sources, and the pair sampler's settings (``pairs:``, including the crop
    sizes and ``pairs_per_epoch``, the length of an epoch)."""

    root: str = "../shared/data"  # base folder for relative source paths; see resolve()
    sources: list = field(default_factory=list)
    pairs: PairConfig = field(default_factory=PairConfig)

    def resolve(self, source: SourceConfig) -> Path:
        """A source's folder. A relative ``root`` is taken from the working folder when it exists there, else
        from the repository root, so the shipped configs work from any folder (``python tools/...`` too)."""
        path = Path(source.path)
        if path.is_absolute():
            return path
        root = Path(self.root)
        if not root.is_absolute() and not root.exists():
            root = REPO_ROOT / root
        return root / path


@dataclass
class RunConfig:
    """A whole training config file, each section kept as its owner parses it, and the step counts that follow
    from ``train`` and ``data`` together."""

    model: dict
    tracker: dict
    train: TrainConfig
    data: DataConfig
    raw: dict  # the file's mapping after overrides, saved beside the run

    @property
    def steps_per_epoch(self) -> int:
        return self.data.pairs.pairs_per_epoch // self.train.batch_size

    @property
    def total_steps(self) -> int:
        """Steps of the whole schedule (``epochs`` full epochs)."""
        return self.train.epochs * self.steps_per_epoch

    @property
    def last_step(self) -> int:
        """The step at which this run stops (``max_steps`` if set and earlier)."""
        return min(self.train.max_steps, self.total_steps) if self.train.max_steps > 0 else self.total_steps


def parse_run_config(data: dict, where: str = "config") -> RunConfig:
    """Parse the sections the trainer owns and check that the others are present.

    ``model:`` is parsed by the model builder and ``tracker:`` by the tracker builder; here they are only carried.
    """
    sections = ("model", "tracker", "train", "data")
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise TrackingError(f"{where}: unknown section(s) {', '.join(unknown)}; valid sections: "
                            f"{', '.join(sections)}")
    for name in ("model", "train", "data"):
        if name not in data:
            raise TrackingError(f"{where}: missing section {name}:")
    train = from_dict(TrainConfig, data["train"], f"{where}: train")
    dcfg = from_dict(DataConfig, data["data"], f"{where}: data")
    if not dcfg.sources:
        raise TrackingError(f"{where}: data.sources must be a non-empty list of sources")
    dcfg.sources = [from_dict(SourceConfig, s, f"{where}: data.sources[{i}]") for i, s in enumerate(dcfg.sources)]
    run = RunConfig(model=dict(data["model"] or {}), tracker=dict(data.get("tracker") or {}), train=train,
                    data=dcfg, raw=data)
    _check_crops_match_tracker(run, where)
    if run.steps_per_epoch < 1:
        raise TrackingError(f"{where}: data.pairs.pairs_per_epoch ({dcfg.pairs.pairs_per_epoch}) is smaller than "
                            f"one batch (train.batch_size {train.batch_size})")
    return run


def _check_crops_match_tracker(run: RunConfig, where: str) -> None:
    """The network must be trained at the pixel scale the tracker feeds it: the same template size and context
    (which fix the scale of both crops). The search crop may be smaller in training than in tracking (the network
    is fully convolutional; only the searched extent differs), which halves the cost per pair on a CPU."""
    pairs = run.data.pairs
    for tracker_key, pairs_key in (("exemplar_size", "template_size"), ("context", "context")):
        if tracker_key in run.tracker and run.tracker[tracker_key] != getattr(pairs, pairs_key):
            raise TrackingError(f"{where}: tracker.{tracker_key} is {run.tracker[tracker_key]} but "
                                f"data.pairs.{pairs_key} is {getattr(pairs, pairs_key)}; training crops must "
                                f"match the tracker's")
    if run.model.get("kind") == "dcf":
        from models.builder import ModelConfig

        side = run.model.get("crop_size", ModelConfig.crop_size)
        if not pairs.template_size == pairs.search_size == side:
            raise TrackingError(f"{where}: a dcf model solves and responds on crops of model.crop_size ({side}); "
                                f"data.pairs.template_size and search_size must both be {side}, got "
                                f"{pairs.template_size} and {pairs.search_size}")


def _choice(key, value, valid):
    if value not in valid:
        raise TrackingError(f"{key}: {value!r} is not one of {', '.join(valid)}")
