"""Models: feature and score-map shapes, IEN channel groups of the tapped layers, heads, safe weights IO."""
import pytest
import torch

from core.config import from_dict
from core.errors import TrackingError
from models.builder import ModelConfig, build_model
from models.channels import GroupsConfig, channel_quantum
from models.heads import xcorr, xcorr_depthwise
from models.weights import load_weights, save_weights

torch.set_num_threads(1)
HETERO = {"orders": [8, 4, 2], "ratios": [8, 2, 1]}


def _model(**cfg):
    return build_model(from_dict(ModelConfig, cfg)).eval()


@pytest.mark.parametrize("backbone", ["resnet18", "resnet50"])
def test_siamrpn_backbones_give_15_31_features_and_a_25_score_map(backbone):
    model = _model(kind="siamrpn", backbone=backbone, neck_channels=32)
    with torch.inference_mode():
        zf_raw = model.features(torch.zeros(1, 3, 127, 127))
        xf_raw = model.features(torch.zeros(1, 3, 255, 255))
        zf, xf = model.embed_template(zf_raw), model.embed_search(xf_raw)
        cls, loc = model.head(zf, xf)
    assert [tuple(f.shape[-2:]) for f in zf_raw] == [(15, 15)] * 3
    assert [tuple(f.shape[-2:]) for f in xf_raw] == [(31, 31)] * 3
    assert [tuple(f.shape[-2:]) for f in zf] == [(7, 7)] * 3
    assert tuple(cls.shape) == (1, 10, 25, 25) and tuple(loc.shape) == (1, 20, 25, 25)
    expected = {"resnet18": [128, 256, 512], "resnet50": [512, 1024, 2048]}[backbone]
    assert [f.shape[1] for f in zf_raw] == expected


def test_siamrpn_on_alexnet_correlates_whole_6x6_templates_into_a_17x17_score_map():
    """SiamRPN's own geometry: one level (layer5), no template crop (6x6 is smaller than SiamRPN++'s 7x7 window),
    3x3 convolutions on both sides, depthwise correlation 4x4 over 20x20."""
    model = _model(kind="siamrpn", backbone="alexnet", width=0.25, neck_channels=8, anchors=3,
                   groups={"orders": [4], "ratios": [1]})
    with torch.inference_mode():
        zf = model.template(torch.zeros(1, 3, 127, 127))
        xf = model.search(torch.zeros(1, 3, 255, 255))
        cls, loc = model.head(zf, xf)
    assert model.backbone.outputs == ("layer5",)
    assert [tuple(f.shape) for f in zf] == [(1, 8, 6, 6)] and [tuple(f.shape) for f in xf] == [(1, 8, 22, 22)]
    assert tuple(cls.shape) == (1, 6, 17, 17) and tuple(loc.shape) == (1, 12, 17, 17)
    assert model.neck[0].conv.in_channels == 16  # 64 layer5 channels pooled over 4 orientations


def test_siamfc_response_is_17x17_and_forward_equals_head_of_branches():
    model = _model(width=0.25)
    z, x = torch.rand(1, 3, 127, 127) * 255, torch.rand(3, 3, 255, 255) * 255
    with torch.inference_mode():
        out = model(z.expand(3, -1, -1, -1), x)
        split = model.head(model.template(z), model.search(x))  # batch-1 template broadcast over 3 crops
    assert tuple(out.shape) == (3, 1, 17, 17)
    assert torch.allclose(out, split, atol=1e-5)


def test_heterogeneous_groups_tap_every_stage_and_pool_the_correlated_features():
    model = _model(kind="siamrpn", backbone="resnet18", width=0.5, groups=HETERO, neck_channels=16)
    names = dict(model.named_modules())
    assert set(model.ien_taps) == {"backbone.layer1", "backbone.layer2", "backbone.layer3", "backbone.layer4"}
    for name, groups in model.ien_taps.items():
        assert name in names
        assert groups.orders == (8, 4, 2) and groups.channels == model.backbone.stage_channels[name[9:]]
    # the neck sees the orientation-pooled channels of each level
    l4 = model.ien_taps["backbone.layer4"]
    assert model.neck[2].conv.in_channels == l4.pooled_channels < l4.channels
    regular = _model(kind="siamrpn", backbone="resnet18", width=0.5, groups=HETERO, neck_channels=16,
                     correlation="regular")
    assert regular.neck[2].conv.in_channels == l4.channels


def test_width_rounds_to_counts_the_groups_split_and_explicit_counts_are_validated():
    assert channel_quantum(GroupsConfig(orders=[8, 4, 2], ratios=[8, 2, 1])) == 22
    assert channel_quantum(GroupsConfig(orders=[4], ratios=[1])) == 4
    model = _model(width=0.3, groups=HETERO)
    assert all(c % 22 == 0 for c in model.backbone.stage_channels.values())
    with pytest.raises(TrackingError, match="backbone.layer3"):
        _model(channels=[22, 44, 50, 44, 22], groups=HETERO)
    with pytest.raises(TrackingError, match="taps"):
        _model(width=0.25, groups={"orders": [4], "ratios": [1]}, taps=["layer9"])


def test_plain_model_has_no_taps_and_bad_config_keys_are_errors():
    assert _model(width=0.25).ien_taps == {}
    with pytest.raises(TrackingError, match="valid keys"):
        from_dict(ModelConfig, {"widht": 1.0}, "model")
    with pytest.raises(TrackingError, match="kind siamrpn needs a strided backbone"):
        _model(kind="siamrpn", backbone="convnet")
    with pytest.raises(TrackingError, match="levels"):
        _model(width=0.25, levels=["layer4", "layer5"])
    with pytest.raises(TrackingError, match="levels: unknown stage"):
        _model(kind="siamrpn", backbone="resnet18", width=0.25, levels=["layer5"])


def test_correlations_match_a_direct_computation():
    z, x = torch.randn(2, 3, 4, 4), torch.randn(2, 3, 9, 9)
    full, depth = xcorr(z, x), xcorr_depthwise(z, x)
    assert tuple(full.shape) == (2, 1, 6, 6) and tuple(depth.shape) == (2, 3, 6, 6)
    i, j = 2, 5
    assert torch.allclose(full[1, 0, i, j], (x[1, :, i:i + 4, j:j + 4] * z[1]).sum(), atol=1e-5)
    assert torch.allclose(depth[0, 2, i, j], (x[0, 2, i:i + 4, j:j + 4] * z[0, 2]).sum(), atol=1e-5)


def test_weights_round_trip_and_another_architecture_is_refused(tmp_path):
    model = _model(width=0.25, groups={"orders": [4], "ratios": [1]})
    path = tmp_path / "m.safetensors"
    save_weights(model, path, {"config": {"width": 0.25}})
    fresh = _model(width=0.25, groups={"orders": [4], "ratios": [1]})
    assert not torch.equal(fresh.backbone.layer1[0].weight, model.backbone.layer1[0].weight)
    meta = load_weights(fresh, path)
    assert meta == {"config": {"width": 0.25}}
    for (k, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items()):
        assert torch.equal(a, b), k
    with pytest.raises(TrackingError, match=r"m\.safetensors.*shape"):
        load_weights(_model(width=0.5), path)
    # a weights-only torch file of a plain state dict loads too
    torch_path = tmp_path / "m.pth"
    torch.save(model.state_dict(), torch_path)
    load_weights(_model(width=0.25, groups={"orders": [4], "ratios": [1]}), torch_path)
    bad = tmp_path / "bad.pth"
    bad.write_text("not weights")
    with pytest.raises(TrackingError, match="bad.pth"):
        load_weights(model, bad)


def test_backbone_weights_file_initialises_the_backbone(tmp_path):
    donor = _model(width=0.25)
    path = tmp_path / "backbone.safetensors"
    save_weights(donor.backbone, path)
    model = _model(width=0.25, backbone_weights=str(path))
    assert torch.equal(model.backbone.layer5.weight, donor.backbone.layer5.weight)
    with pytest.raises(TrackingError, match="backbone.safetensors"):
        _model(width=0.5, backbone_weights=str(path))


def test_backbones_run_every_stage_an_output_or_a_tap_needs_and_no_further():
    """Stages after the last output are skipped, unless an IEN tap sits there (its hook must fire)."""
    from models.backbones.resnet import ResNetBackbone

    x = torch.rand(1, 3, 127, 127) * 255
    for taps, expected in [(["layer1"], ["layer1", "layer2"]), (None, ["layer1", "layer2", "layer3", "layer4"])]:
        torch.manual_seed(0)
        net = ResNetBackbone("resnet18", width=0.25, groups=GroupsConfig(orders=[4], ratios=[1]), taps=taps,
                             outputs=("layer2",))
        ran = []
        for name in net.stage_names:
            getattr(net, name).register_forward_hook(lambda module, inp, out, name=name: ran.append(name))
        (out,) = net(x)
        assert ran == expected
        assert out.shape == (1, net.stage_channels["layer2"], 15, 15)


class _NotATensor:
    pass


def test_unreadable_or_unsafe_weights_files_are_one_line_messages(tmp_path):
    from models.weights import read_state_dict

    text = tmp_path / "text.pt"
    text.write_text("these are not weights\n")
    garbage = tmp_path / "garbage.pt"
    garbage.write_text("garbage\n")
    unsafe = tmp_path / "unsafe.pt"
    torch.save({"model": {"w": torch.zeros(1)}, "extra": _NotATensor()}, unsafe)
    for path, reason in [(text, ""), (garbage, " (Unsupported operand 103)"),
                         (unsafe, " (Unsupported global: GLOBAL test_models._NotATensor)")]:
        with pytest.raises(TrackingError) as err:
            read_state_dict(path)
        message = str(err.value)
        assert message == f"{path}: not a safetensors file nor a weights-only torch file{reason}"
        assert "\n" not in message and "weights_only` set to `False`" not in message
