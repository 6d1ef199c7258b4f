"""The DCF layer, the DCF network and its tracker (issue 12): the closed-form solve against a spatial ridge
regression, peaks that follow shifts, exact equivariance of the rotation-tied network, the `features` turn
against re-encoding a turned patch, and bad configs."""
import numpy as np
import pytest
import torch

from core.config import from_dict
from core.errors import TrackingError
from models.builder import ModelConfig, build_model
from models.dcf import filter_response, solve_filter, spectrum
from tests.moving_patch import turning_patch_frames
from tracker.dcf import DCFConfig, DCFRotationConfig, DCFTracker

TINY_DCF = {"kind": "dcf", "backbone": "convnet", "channels": [8, 8], "groups": {"orders": [4], "ratios": [1]},
            "correlation": "regular", "init": "rotation_tied", "crop_size": 31, "label_sigma": 2.0}


def dcf_model(seed=0, **changes):
    torch.manual_seed(seed)
    return build_model(from_dict(ModelConfig, {**TINY_DCF, **changes}, "model")).eval()


def shifted_rows(f, h, w):
    """Data matrix of a ridge regression over every circular shift: row (a, b) is f moved by (-a, -b)."""
    return torch.stack([torch.roll(f, shifts=(-a, -b), dims=(1, 2)).reshape(-1) for a in range(h) for b in range(w)])


def test_closed_form_filter_equals_a_spatial_ridge_solve_over_all_circular_shifts():
    gen = torch.Generator().manual_seed(1)
    c, h, w, lam = 3, 5, 7, 0.3
    z, x = (torch.randn(1, c, h, w, generator=gen, dtype=torch.float64) for _ in range(2))
    y = torch.randn(h, w, generator=gen, dtype=torch.float64)
    fourier = filter_response(spectrum(x), spectrum(z), solve_filter(spectrum(z), spectrum(y), lam), (h, w))[0, 0]
    a = shifted_rows(z[0], h, w)
    weights = torch.linalg.solve(a.T @ a + lam * torch.eye(c * h * w, dtype=torch.float64), a.T @ y.reshape(-1))
    spatial = (shifted_rows(x[0], h, w) @ weights).reshape(h, w)
    assert torch.allclose(fourier, spatial, atol=1e-10)
    # the regulariser matters: another lambda gives another answer
    other = filter_response(spectrum(x), spectrum(z), solve_filter(spectrum(z), spectrum(y), 3.0), (h, w))[0, 0]
    assert (other - spatial).abs().max() > 1e-3


def test_response_to_the_template_is_the_centred_label_and_a_shift_moves_the_peak():
    model = dcf_model()
    z = torch.rand(1, 3, 31, 31, generator=torch.Generator().manual_seed(2)) * 255
    with torch.no_grad():
        own = model(z, z)[0, 0]
        assert divmod(int(own.argmax()), 31) == (15, 15)
        assert float(own.max()) == pytest.approx(1.0, abs=0.05)
        moved = model(z, torch.roll(z, shifts=(3, -2), dims=(-2, -1)))[0, 0]
    assert divmod(int(moved.argmax()), 31) == (18, 13)


def test_rotation_tied_network_is_exactly_c4_equivariant_and_default_init_is_not():
    z = torch.rand(2, 3, 31, 31, generator=torch.Generator().manual_seed(3)) * 255
    for init, equivariant in (("rotation_tied", True), ("default", False)):
        model = dcf_model(init=init)
        groups = model.backbone.groups["layer2"]
        with torch.no_grad():
            f = model.features(z)[-1]
            turned = model.features(torch.rot90(z, 1, dims=(-2, -1)))[-1]
        expected = groups.shift(torch.rot90(f, 1, dims=(-2, -1)), [1])
        error = float((turned - expected).abs().max() / f.abs().max())
        assert (error < 1e-5) == equivariant, (init, error)


def _tracker(model, method):
    cfg = DCFConfig(rotation=DCFRotationConfig(enabled=True, method=method, order=4, window=1))
    return DCFTracker(model, cfg)


def test_features_turn_equals_reencoding_the_turned_patch_on_an_equivariant_network():
    model = dcf_model()
    image = np.random.default_rng(4).integers(0, 255, (90, 120, 3), dtype=np.uint8)
    box = (40.0, 30.0, 11.0, 11.0)
    by_features, by_reencoding = _tracker(model, "features"), _tracker(model, "reencode")
    by_features.init(image, box)
    by_reencoding.init(image, box)
    turned = _spectra(by_features, *by_features.turned())  # the upright online model turned by the turn part
    reencoded = _spectra(by_reencoding, *by_reencoding.models)  # one model per turned patch
    for turn in (-1, 1):
        (zf_hat, alpha_hat), (direct_zf_hat, direct_alpha_hat) = (
            (z[t.turns.index(turn)], a[t.turns.index(turn)])
            for t, (z, a) in ((by_features, turned), (by_reencoding, reencoded)))
        assert torch.allclose(zf_hat, direct_zf_hat, atol=1e-4)
        assert torch.allclose(alpha_hat, direct_alpha_hat, rtol=1e-3, atol=1e-3)
    # a plain (untied) network is not equivariant: its turned features are not the re-encoded ones
    plain = dcf_model(init="default")
    a, b = _tracker(plain, "features"), _tracker(plain, "reencode")
    a.init(image, box)
    b.init(image, box)
    turned_zf_hat = _spectra(a, *a.turned())[0][a.turns.index(1)]
    reencoded_zf_hat = _spectra(b, *b.models)[0][b.turns.index(1)]
    assert not torch.allclose(turned_zf_hat, reencoded_zf_hat, atol=1e-2)


def _spectra(tracker, *parts) -> tuple:
    """(feature spectra, filter spectra alpha^) of online models given as the DCF parts pass them (real and
    imaginary parts): the tracker's NumPy arrays or the outputs of its network's turn part."""
    re_feats, im_feats, re_filters, im_filters = (
        torch.from_numpy(v if isinstance(v, np.ndarray) else tracker.network.numpy(v)) for v in parts)
    return torch.complex(re_feats, im_feats), torch.complex(re_filters, im_filters)


def test_rotation_search_follows_a_turning_target():
    """A textured square turning 90 degrees per frame (exact for C4): the tracker's angle follows it."""
    model = dcf_model()
    frames, _ = turning_patch_frames()
    for method in ("features", "reencode"):
        tracker = _tracker(model, method)
        tracker.init(frames[0], (50.0, 50.0, 21.0, 21.0))
        angles = [tracker.update(f) is not None and tracker.state.angle for f in frames[1:]]
        assert angles == [90.0, 180.0, 270.0], method
        assert tracker.state.corners.shape == (4, 2)


@pytest.mark.parametrize("changes, message", [
    ({"backbone": "alexnet"}, "kind dcf and backbone convnet"),
    ({"crop_size": 32}, "crop_size: expected an odd side"),
    ({"dcf_lambda": 0.0}, "dcf_lambda and label_sigma must be > 0"),
])
def test_bad_model_configs_are_refused(changes, message):
    with pytest.raises(TrackingError, match=message):
        dcf_model(**changes)


def test_bad_tracker_settings_are_refused():
    model = dcf_model()
    with pytest.raises(TrackingError, match="rotation.method"):
        DCFTracker(model, DCFConfig(rotation=DCFRotationConfig(enabled=True, method="spin")))
    with pytest.raises(TrackingError, match="scale_num"):
        DCFTracker(model, DCFConfig(scale_num=2))
    plain = dcf_model(groups=None, init="default")
    with pytest.raises(TrackingError, match="IEN channel groups"):
        DCFTracker(plain, DCFConfig(rotation=DCFRotationConfig(enabled=True, method="features")))


def _dcf_run_config(path, **train):
    from training_helpers import write_run_config

    config = write_run_config(path, model=TINY_DCF, train={"mode": "ien", "checkpoint_interval": 100,
                                                           "ien": {"beta": 1.0, "form": "regular"}, **train},
                              data={"pairs": {"template_size": 31, "search_size": 31, "context": 1.0,
                                              "pairs_per_epoch": 16}})
    text = path.read_text().replace("exemplar_size: 103\n  instance_size: 151\n", "context: 1.0\n")
    path.write_text(text)
    return config


def test_ien_training_of_a_dcf_network_resumes_exactly_and_builds_a_tracker(tmp_path):
    from test_training_run import _run, _states_equal
    from training.checkpoint import load_checkpoint
    from tracker.builder import build_from_config

    config = _dcf_run_config(tmp_path / "dcf.yaml")
    straight, split = tmp_path / "straight", tmp_path / "split"
    _run("--config", config, "--output", straight, "--set", "train.max_steps=4")
    _run("--config", config, "--output", split, "--set", "train.max_steps=2")
    _run("--config", config, "--output", split, "--set", "train.max_steps=4", "--resume")
    a, b = load_checkpoint(straight / "checkpoint.pt"), load_checkpoint(split / "checkpoint.pt")
    assert a["step"] == b["step"] == 4 and _states_equal(a["model"], b["model"])
    log = (split / "log.csv").read_text()
    assert "E_z/backbone.layer2" in log and "ien_z" in log
    tracker = build_from_config(split / "config.yaml", split / "model.safetensors")
    frame = np.random.default_rng(0).integers(0, 255, (80, 100, 3), dtype=np.uint8)
    tracker.init(frame, (40, 30, 10, 10))
    assert np.isfinite(tracker.update(frame)).all()


def test_dcf_training_crops_must_be_the_model_crop(tmp_path):
    from test_training_run import _run

    config = _dcf_run_config(tmp_path / "dcf.yaml")
    config.write_text(config.read_text().replace("search_size: 31", "search_size: 47"))
    proc = _run("--config", config, "--output", tmp_path / "out", check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "data.pairs.template_size and search_size must both be 31" in proc.stderr
