"""The shared foundation: configs reject unknown keys, boxes convert both ways, channel groups validate."""
from dataclasses import dataclass, field

import numpy as np
import pytest
import torch

from core.boxes import box_to_polygon, polygon_to_area_box, polygon_to_box, valid_mask, xywh_to_xyxy, xyxy_to_xywh
from core.config import apply_overrides, from_dict
from core.errors import TrackingError
from models.equivariance.groups import ChannelGroups


@dataclass
class Inner:
    lr: float = 0.1
    steps: int = 10


@dataclass
class Outer:
    name: str = "x"
    inner: Inner = field(default_factory=Inner)
    scales: list = field(default_factory=lambda: [1.0])


def test_config_unknown_key_lists_valid_keys():
    with pytest.raises(TrackingError, match=r"cfg.yaml.inner: unknown key\(s\) lrr; valid keys: lr, steps"):
        from_dict(Outer, {"inner": {"lrr": 1}}, where="cfg.yaml")


def test_config_types_and_overrides():
    data = apply_overrides({"inner": {"lr": 0.1}}, ["inner.steps=5", "name=abc", "inner.lr=1e-3"])
    cfg = from_dict(Outer, data)
    assert cfg.inner.steps == 5 and cfg.name == "abc" and cfg.inner.lr == 0.001
    with pytest.raises(TrackingError, match="expected an integer"):
        from_dict(Outer, {"inner": {"steps": "many"}})


def test_overrides_index_lists_and_refuse_bad_paths():
    data = {"sources": [{"path": "A"}, {"path": "B", "exclude": ["x"]}], "lr": 0.1}
    out = apply_overrides(data, ["sources.1.exclude=[x, y]", "sources.0.weight=2"])
    assert out["sources"] == [{"path": "A", "weight": 2}, {"path": "B", "exclude": ["x", "y"]}]
    assert data["sources"][1]["exclude"] == ["x"]  # the input is not changed
    for bad, message in (("sources.2.path=C", "'2' is not an index of a list of 2"),
                         ("sources.first.path=C", "'first' is not an index"),
                         ("lr.value=1", "goes through a non-mapping value")):
        with pytest.raises(TrackingError, match=message):
            apply_overrides(data, [bad])


def test_box_conversions_round_trip():
    b = np.array([[10.0, 20.0, 30.0, 40.0], [np.nan, 0, 1, 1], [0, 0, 0, 5]])
    assert np.allclose(xyxy_to_xywh(xywh_to_xyxy(b[:1])), b[:1])
    assert valid_mask(b).tolist() == [True, False, False]
    assert np.allclose(polygon_to_box(box_to_polygon(b[:1])), b[:1])
    # an axis-aligned square polygon: pysot's area rule adds one pixel to each side length
    assert np.allclose(polygon_to_area_box(box_to_polygon(b[:1])[0]), [9.5, 19.5, 31, 41])


def test_channel_groups_split_pool_shift():
    g = ChannelGroups.from_ratio(88, ratios=(8, 2, 1), orders=(8, 4, 2), layer="conv3")
    assert g.blocks == ((8, 8), (4, 4), (4, 2)) and g.channels == 88 and g.pooled_channels == 16
    x = torch.randn(2, 88, 3, 3)
    assert torch.equal(g.pool(g.shift(x, (3, 1, 1))), g.pool(x))
    with pytest.raises(TrackingError, match="conv5.*block of 10 channels is not divisible by its group order 4"):
        ChannelGroups.from_ratio(55, ratios=(8, 2, 1), orders=(8, 4, 2), layer="conv5")
