"""Quarter turns on spectra (models/spectral_turn.py) and the DCF ``turn`` part built on them: a turned half-spectrum
is the spectrum of the turned map, and the part gives what going back to maps, turning them and transforming again
gives, on the shipped dcf_ien network (real frames) and on an order-8 network whose 45-degree steps still go
through maps; the tracker reports the same boxes with either."""
from pathlib import Path

import numpy as np
import pytest
import torch

from models.dcf import TORCH_FFT
from models.equivariance.actions import make_group
from models.spectral_turn import SpectralQuarterTurn
from tests.test_dcf import dcf_model
from tests.test_onnx_backend import _otb
from tracker.builder import build_from_config
from tracker.dcf import DCFConfig, DCFRotationConfig, DCFTracker

REPO = Path(__file__).resolve().parents[1]
ROTATION = ["tracker.rotation.enabled=true", "tracker.rotation.method=features"]


@pytest.mark.parametrize("size", [7, 95])
def test_quarter_turned_half_spectrum_is_the_spectrum_of_the_turned_maps(size):
    x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(size))
    spectrum = torch.fft.rfft2(x)
    turn, group = SpectralQuarterTurn(size), make_group("C4")
    for k in (1, 2, 3):
        expected = torch.fft.rfft2(group.transform(x, k))  # the tracker's spatial turn (torch.rot90)
        real, imag = turn(spectrum.real, spectrum.imag, k)
        scale = float(expected.abs().max())
        assert float((real - expected.real).abs().max()) < 1e-6 * scale
        assert float((imag - expected.imag).abs().max()) < 1e-6 * scale
        assert float((real - spectrum.real).abs().max()) > 0.1 * scale  # a real turn, not the identity
    assert all(torch.equal(a, b) for a, b in zip(turn(spectrum.real, spectrum.imag, -1),
                                                 turn(spectrum.real, spectrum.imag, 3)))


def _maps_turn(rotator, turns, feats_re, feats_im, filters_re, filters_im) -> tuple:
    """The turn part's former computation, the reference: back to maps, turned there, transformed again."""
    feats = TORCH_FFT.irfft2(torch.complex(feats_re, feats_im))
    filters = TORCH_FFT.irfft2(torch.complex(filters_re, filters_im))
    out = []
    for t in turns:
        k = t % rotator.steps.order
        z = TORCH_FFT.rfft2(rotator.rotate([feats], k)[0])
        a = TORCH_FFT.rfft2(rotator.group.transform(filters, k))
        out.append((z.real, z.imag, a.real, a.imag))
    return tuple(torch.cat(part) for part in zip(*out))


def _turn_error(tracker) -> float:
    """Largest difference of the turn part's outputs from the reference's, relative to each output's scale."""
    online = [torch.from_numpy(v) for v in tracker.models]
    part = tracker.network.parts["turn"]
    with torch.no_grad():
        got, expected = part(*online), _maps_turn(part.rotator, tracker.turns, *online)
    return max(float((g - e).abs().max() / e.abs().max()) for g, e in zip(got, expected))


@pytest.fixture(scope="module")
def dcf_ien():
    def build():
        return build_from_config(REPO / "configs" / "dcf_ien.yaml", REPO / "weights" / "dcf_ien.safetensors",
                                 overrides=ROTATION)
    return build


def test_turn_part_on_spectra_equals_turning_maps_on_the_shipped_network(shared_data, dcf_ien):
    """dcf_ien's online model from OTB Crossing's first frame (95 px, 32 channels in C4 blocks), turns -1, 1."""
    frames, box = _otb(shared_data, "Crossing", 1)
    tracker = dcf_ien()
    tracker.init(frames[0], box)
    assert tracker.turns == [0, -1, 1] and not tracker.network.parts["turn"].resampled
    assert _turn_error(tracker) < 1e-5


def test_order_8_network_turns_quarter_steps_on_spectra_and_45_degree_steps_through_maps():
    model = dcf_model(channels=[8, 8], groups={"orders": [8], "ratios": [1]}, init="default")
    tracker = DCFTracker(model, DCFConfig(rotation=DCFRotationConfig(enabled=True, method="features", window=2)))
    image = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    tracker.init(image, np.array([20.0, 20.0, 21.0, 21.0]))
    assert tracker.turns == [0, -1, 1, -2, 2] and tracker.network.parts["turn"].resampled
    assert _turn_error(tracker) < 1e-5


def test_tracker_boxes_are_those_of_turning_maps(shared_data, dcf_ien):
    """dcf_ien with rotation search by features on 10 frames of OTB Crossing: the same boxes, scores and final
    turned online models as the same tracker whose turn part is the reference."""
    frames, box = _otb(shared_data, "Crossing", 10)
    spectral, maps = dcf_ien(), dcf_ien()
    rotator = maps.network.parts["turn"].rotator
    maps.network.parts["turn"] = lambda *online: _maps_turn(rotator, maps.turns, *online)
    (boxes_s, scores_s, _), (boxes_m, scores_m, _) = spectral.track(frames, box), maps.track(frames, box)
    assert np.abs(boxes_s - boxes_m).max() < 0.01
    assert np.abs(scores_s - scores_m).max() < 1e-5
    assert np.ptp(boxes_s[:, 0]) > 5  # the target moves
    for s, m in zip(spectral.turned(), maps.turned()):
        assert float((s - m).abs().max() / m.abs().max()) < 1e-5
