"""Training configs, schedule and checkpoints: parsing, the shipped configs, exact state round trips."""
import io
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from core.config import load_yaml
from core.errors import TrackingError
from training.checkpoint import load_checkpoint, rng_state, save_checkpoint, set_rng_state
from training.config import parse_run_config
from training.data import build_pairs
from training.optim import build_optimizer, build_scheduler, lr_factor
from training.trainer import anchors_for, build_network

from training_helpers import REPO, train_config

TRAINING_CONFIGS = ["siamfc_alexnet_plain", "siamfc_alexnet_ien_c4", "siamfc_alexnet_ien_c8",
                    "siamfc_alexnet_ien_hetero", "siamrpnpp_resnet50_ien", "siamfc_small"]
VALIDATION = {"crossing", "couple", "football1", "kitesurf", "human7", "vase", "bolt", "wakeboard7", "gull1",
              "bag", "ball1"}


def _run(name):
    path = REPO / "configs" / f"{name}.yaml"
    return parse_run_config(load_yaml(path), str(path))


@pytest.mark.parametrize("name", TRAINING_CONFIGS)
def test_shipped_training_configs_parse_and_build(name):
    run = _run(name)
    model = build_network(run.model)
    assert run.total_steps > 0
    if run.train.mode == "ien":
        assert model.ien_taps  # the equivariance term has layers to act on
    if model.kind == "siamrpn":
        assert anchors_for(run, model)(25).shape == (5 * 25 * 25, 4)


def test_heterogeneous_config_has_at_least_30_percent_fewer_channels():
    full = build_network(_run("siamfc_alexnet_ien_c8").model).backbone.stage_channels
    hetero = build_network(_run("siamfc_alexnet_ien_hetero").model).backbone.stage_channels
    assert sum(hetero.values()) <= 0.7 * sum(full.values())
    assert all(hetero[k] < full[k] for k in full)


def test_small_config_never_reads_the_validation_split(shared_data):
    run = _run("siamfc_small")
    run.data.root = str(shared_data)
    pairs = build_pairs(run.data, seed=0)
    names = {seq.name.lower() for source in pairs.sources for seq in getattr(source, "sequences", [])}
    assert len(names) >= 15 and not names & VALIDATION
    still = [source for source in pairs.sources if type(source).__name__ == "StillImageSource"]
    assert still and not any(part.lower() in VALIDATION for s in still for p in s.paths for part in Path(p).parts)


def test_a_misspelt_exclude_is_an_error_not_a_leak(shared_data):
    """``exclude: [Gul1]`` must not train on Gull1 (a validation sequence) in silence."""
    from core.config import apply_overrides

    data = apply_overrides(load_yaml(REPO / "configs/siamfc_ien.yaml"), ["data.sources.4.exclude=[wakeboard7, Gul1]"])
    run = parse_run_config(data)
    run.data.root = str(shared_data)
    with pytest.raises(TrackingError, match=r"data.sources\[4\].exclude: no sequence Gul1 under .*UAV"):
        build_pairs(run.data, seed=0)



def test_exclude_leaves_out_named_sequences_and_checks_names_against_an_explicit_list(shared_data):
    """With ``sequences`` listed, ``exclude`` drops its names from that list (case-insensitive), and a name outside
    the list is an error even when the rest of the list would leave nothing to load."""
    from core.config import apply_overrides
    from training.data import load_sequences

    def source_with(*overrides):
        run = parse_run_config(apply_overrides(load_yaml(REPO / "configs/siamfc_ien.yaml"), list(overrides)))
        run.data.root = str(shared_data)
        return run.data, run.data.sources[4]

    data, source = source_with("data.sources.4.sequences=[Gull1, BMX3, Animal3]", "data.sources.4.exclude=[gull1]")
    assert sorted(seq.name for seq in load_sequences(data.resolve(source), source, "s")) == ["Animal3", "BMX3"]
    data, source = source_with("data.sources.4.sequences=[Gull1]", "data.sources.4.exclude=[Gull1, Gul2]")
    with pytest.raises(TrackingError, match=r"s.exclude: no sequence Gul2"):
        load_sequences(data.resolve(source), source, "s")

def test_every_queued_training_is_a_valid_run_on_the_shared_data(shared_data):
    """The committed training queue runs for hours across sessions: a bad override or a misspelt exclude in it
    must fail here, not when its turn comes. Each run's sources are loaded as the trainer loads them."""
    import yaml

    from core.config import apply_overrides
    from training.data import build_source

    queue = yaml.safe_load((REPO / "benchmarks/queues/trainings.yaml").read_text())
    checked = set()
    for entry in queue:
        data = apply_overrides(load_yaml(REPO / entry["config"]), entry.get("set", []))
        run = parse_run_config(data, where=entry["output"])
        run.data.root = str(shared_data)
        for i, source in enumerate(run.data.sources):
            key = (source.kind, source.path, tuple(source.exclude), source.count)
            if key not in checked and source.kind in ("folder", "lasot"):
                build_source(run.data, i, source)  # raises on a misspelt exclude or an empty source
                checked.add(key)
    assert len(queue) >= 40 and len(checked) >= 4


def test_tracker_crops_must_match_training_crops():
    """Template size and context fix the pixel scale and must match; a smaller training search crop is fine."""
    data = load_yaml(REPO / "configs" / "siamfc_small.yaml")
    data["tracker"]["exemplar_size"] = 135
    with pytest.raises(TrackingError, match="tracker.exemplar_size is 135 but data.pairs.template_size is 127"):
        parse_run_config(data, "small")
    data["tracker"]["exemplar_size"] = 127
    data["tracker"]["context"] = 0.6
    with pytest.raises(TrackingError, match="tracker.context is 0.6 but data.pairs.context is 0.5"):
        parse_run_config(data, "small")
    data["tracker"]["context"] = 0.5
    data["tracker"]["instance_size"] = 255
    data["data"]["pairs"]["search_size"] = 191
    assert parse_run_config(data, "small").data.pairs.search_size == 191


def test_unknown_key_in_a_nested_section_lists_valid_keys():
    data = load_yaml(REPO / "configs" / "siamfc_small.yaml")
    data["train"]["ien"]["betta"] = 2.0
    with pytest.raises(TrackingError, match=r"train\.ien: unknown key\(s\) betta; valid keys: beta, form, group"):
        parse_run_config(data, "small")


def test_schedule_warms_up_then_decays_to_lr_end():
    cfg = train_config(lr=0.01, lr_end=0.0001, warmup_steps=10, warmup_factor=0.1, decay="exp")
    total = 111  # decay over steps 10..110
    factors = [lr_factor(s, cfg, total) for s in range(total)]
    assert factors[0] == pytest.approx(0.1) and factors[5] == pytest.approx(0.55) and factors[10] == 1.0
    assert factors[-1] == pytest.approx(0.01)  # lr_end / lr
    assert factors[60] == pytest.approx(0.1)  # half-way in log space
    assert all(a >= b for a, b in zip(factors[10:], factors[11:]))
    cosine = train_config(lr=0.01, lr_end=0.0001, decay="cosine")
    assert lr_factor(0, cosine, 101) == 1.0 and lr_factor(50, cosine, 101) == pytest.approx(0.505)


def test_checkpoint_round_trip_restores_rng_and_optimiser_state(tmp_path):
    model = torch.nn.Linear(3, 2)
    cfg = train_config(optimizer="adamw", lr=0.01)
    optimizer = build_optimizer(model.parameters(), cfg)
    scheduler = build_scheduler(optimizer, cfg, 100)
    model(torch.ones(1, 3)).sum().backward()
    optimizer.step()
    scheduler.step()
    scaler = torch.amp.GradScaler("cpu", enabled=False)
    torch.manual_seed(1), np.random.seed(2), random.seed(3)
    path = save_checkpoint(tmp_path / "c.pt", model=model, optimizer=optimizer, scheduler=scheduler,
                           scaler=scaler, step=7, epoch=0, config={"train": {"lr": 0.01}})
    expected = (torch.rand(3), np.random.rand(3), random.random())
    torch.load(path, weights_only=True)  # loadable without unpickling objects
    payload = load_checkpoint(path)
    set_rng_state(payload["rng"])
    assert torch.equal(torch.rand(3), expected[0]) and np.array_equal(np.random.rand(3), expected[1])
    assert random.random() == expected[2]
    assert payload["step"] == 7 and payload["scheduler"]["last_epoch"] == 1
    assert torch.equal(payload["optimizer"]["state"][0]["exp_avg"], optimizer.state_dict()["state"][0]["exp_avg"])
    assert not list(tmp_path.glob("*.tmp"))


def test_a_checkpoint_holding_arbitrary_objects_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"format": 1, "step": 1, "payload": io.StringIO("not a tensor")}, path)
    with pytest.raises(TrackingError, match="not a loadable training checkpoint"):
        load_checkpoint(path)
    with pytest.raises(TrackingError, match="checkpoint not found"):
        load_checkpoint(tmp_path / "missing.pt")
    assert isinstance(rng_state()["torch"], torch.Tensor)


def test_relative_data_root_falls_back_to_the_repository_root(tmp_path, monkeypatch):
    """The shipped configs say ``root: ../shared/data``: from a folder where that does not exist, the path is
    taken from the repository root, so ``python /repo/tools/train_tracker.py`` works from anywhere; a relative
    root that exists in the working folder is used as it is."""
    from training.config import REPO_ROOT, DataConfig, SourceConfig

    monkeypatch.chdir(tmp_path)
    source = SourceConfig(kind="folder", path="OTB")
    assert DataConfig(root="../shared/data").resolve(source) == REPO_ROOT / "../shared/data" / "OTB"
    (tmp_path / "mine").mkdir()
    assert DataConfig(root="mine").resolve(source) == Path("mine") / "OTB"
