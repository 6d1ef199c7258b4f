"""Whether a tracker is trained is decided in one place (tracker.registry.weights_kind), and require_trained
refuses an untrained learned tracker unless the user opts in with --random-weights."""
import pytest

from core.errors import TrackingError
from tracker import registry
from tracker.registry import require_trained, require_trained_all, trained_names, untrained, weights_kind

SHIPPED = ["dcf_base", "dcf_ien", "dcf_rotaug", "siamfc_base", "siamfc_ien", "siamfc_ien_hetero", "siamfc_ien_rs",
           "siamfc_rotaug"]


def test_each_name_is_trained_untrained_or_has_nothing_to_learn():
    assert [weights_kind(n) for n in ("siamfc_ien", "siamfc", "siamrpnpp", "siamrpnpp_r50", "csrt", "kcf", "mil")] \
        == ["trained", "random", "random", "random", "none", "none", "none"]
    assert trained_names() == SHIPPED


def test_a_config_file_is_untrained_without_a_checkpoint_and_a_checkpoint_trains_anything_learned():
    assert weights_kind("configs/siamfc_alexnet.yaml") == "random"
    assert weights_kind("configs/siamfc_alexnet.yaml", checkpoint="w.safetensors") == "trained"
    assert weights_kind("siamrpnpp", checkpoint="w.safetensors") == "trained"
    assert not untrained("siamfc_ien") and untrained("siamfc") and not untrained("csrt")


def test_a_registered_entry_with_a_checkpoint_counts_as_trained(monkeypatch):
    """A tracker added later (e.g. a DCF one) is trained as soon as its entry names weights."""
    monkeypatch.setitem(registry.TRACKERS, "dcf_new", registry.Entry("configs/dcf_new.yaml", "weights/dcf.safetensors"))
    monkeypatch.setitem(registry.TRACKERS, "dcf_bare", registry.Entry("configs/dcf_bare.yaml"))
    assert weights_kind("dcf_new") == "trained" and weights_kind("dcf_bare") == "random"
    assert "dcf_new" in trained_names() and "dcf_bare" not in trained_names()
    with pytest.raises(TrackingError, match="trained trackers: dcf_base, dcf_ien, dcf_new, dcf_rotaug, siamfc_base"):
        require_trained("dcf_bare")


def test_require_trained_refuses_untrained_in_one_line_unless_opted_in():
    with pytest.raises(TrackingError) as err:
        require_trained("siamrpnpp")
    message = str(err.value)
    assert "\n" not in message and message.startswith("siamrpnpp has no trained weights")
    assert f"trained trackers: {', '.join(SHIPPED)}" in message and "--checkpoint" in message
    assert "--random-weights" in message
    assert require_trained("siamrpnpp", random_weights=True) is True
    assert require_trained("siamfc_ien") is False and require_trained("csrt") is False
    assert require_trained("configs/siamfc_alexnet.yaml", checkpoint="w.safetensors") is False


def test_a_registered_tracker_whose_weights_are_not_in_the_checkout_says_so_in_one_line(monkeypatch, tmp_path):
    """A shipped name is trained once its entry names weights (siamfc_ien_rs before its training run, here a
    stand-in): building it without them is a one-line error, and --checkpoint still builds it."""
    monkeypatch.setitem(registry.TRACKERS, "fc_later", registry.Entry("configs/siamfc_ien.yaml",
                                                                       "weights/no_such_weights.safetensors"))
    with pytest.raises(TrackingError) as err:
        registry.build_tracker("fc_later")
    assert str(err.value) == ("fc_later: its weights weights/no_such_weights.safetensors are not in this checkout "
                              "(trained separately with configs/siamfc_ien.yaml); give trained weights with "
                              "--checkpoint PATH")
    tracker = registry.build_tracker("fc_later", checkpoint=str(registry.REPO_ROOT / "weights/siamfc_ien.safetensors"))
    assert tracker.model is not None


def test_random_weights_that_no_tracker_needs_is_refused():
    assert require_trained_all(["csrt", "siamfc"], random_weights=True) == [False, True]
    assert require_trained_all(["csrt", "siamfc_ien"]) == [False, False]
    with pytest.raises(TrackingError, match=r"--random-weights: no tracker here lacks trained weights \(csrt, "):
        require_trained_all(["csrt", "siamfc_ien"], random_weights=True)


def test_unknown_names_are_refused_with_the_valid_ones():
    with pytest.raises(TrackingError, match="unknown tracker 'nosuch'; valid names: csrt"):
        weights_kind("nosuch")
