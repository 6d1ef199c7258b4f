"""Whether a tracker is trained is decided in one place (tracker.registry.weights_kind), and require_trained
refuses an untrained learned tracker unless the user opts in with --random-weights."""
import pytest

from core.errors import TrackingError
from tracker import registry
from tracker.registry import require_trained, require_trained_all, trained_names, untrained, weights_kind

SHIPPED = ["dcf_base", "dcf_ien", "dcf_rotaug", "siamfc_base", "siamfc_ien", "siamfc_ien_hetero", "siamfc_ien_rs",
           "siamfc_rotaug", "siamrpn_base", "siamrpn_ien", "siamrpn_rotaug"]


def test_each_name_is_trained_untrained_or_has_nothing_to_learn():
    assert [weights_kind(n) for n in ("siamfc_ien", "siamfc", "siamrpnpp", "siamrpnpp_r50", "csrt", "kcf", "mil")] \
        == ["trained", "random", "random", "random", "none", "none", "none"]
    assert trained_names() == SHIPPED


def test_a_config_file_is_untrained_without_a_checkpoint_and_a_checkpoint_trains_anything_learned():
    assert weights_kind("configs/siamfc_alexnet.yaml") == "random"
    assert weights_kind("configs/siamfc_alexnet.yaml", checkpoint="w.safetensors") == "trained"
    assert weights_kind("siamrpnpp", checkpoint="w.safetensors") == "trained"
    assert not untrained("siamfc_ien") and untrained("siamfc") and not untrained("csrt")


def test_a_registered_entry_counts_as_trained_once_its_weights_file_is_there(monkeypatch):
    """A tracker added later is trained as soon as its entry names a weights file that exists; registered before
    its training (the siamrpn_* names until their weights are committed) it is untrained, and the refusal names
    the missing file."""
    monkeypatch.setitem(registry.TRACKERS, "dcf_new", registry.Entry("configs/dcf_ien.yaml",
                                                                     "weights/dcf_ien.safetensors"))
    monkeypatch.setitem(registry.TRACKERS, "dcf_bare", registry.Entry("configs/dcf_bare.yaml"))
    monkeypatch.setitem(registry.TRACKERS, "dcf_later", registry.Entry("configs/dcf_ien.yaml",
                                                                       "weights/no_such_file.safetensors"))
    assert [weights_kind(n) for n in ("dcf_new", "dcf_bare", "dcf_later")] == ["trained", "random", "random"]
    assert weights_kind("dcf_later", checkpoint="w.safetensors") == "trained"
    assert "dcf_new" in trained_names() and not {"dcf_bare", "dcf_later"} & set(trained_names())
    with pytest.raises(TrackingError, match="trained trackers: dcf_base, dcf_ien, dcf_new, dcf_rotaug, siamfc_base"):
        require_trained("dcf_bare")
    with pytest.raises(TrackingError, match=r"^dcf_later has no trained weights \(weights/no_such_file.safetensors "
                                            r"is not in this checkout\) and would run with random ones"):
        require_trained("dcf_later")
    assert require_trained("dcf_later", random_weights=True) is True
    assert registry.build_inputs("dcf_later") == (registry.REPO_ROOT / "configs/dcf_ien.yaml", None)


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


def test_random_weights_that_no_tracker_needs_is_refused():
    assert require_trained_all(["csrt", "siamfc"], random_weights=True) == [False, True]
    assert require_trained_all(["csrt", "siamfc_ien"]) == [False, False]
    with pytest.raises(TrackingError, match=r"--random-weights: no tracker here lacks trained weights \(csrt, "):
        require_trained_all(["csrt", "siamfc_ien"], random_weights=True)


def test_unknown_names_are_refused_with_the_valid_ones():
    with pytest.raises(TrackingError, match="unknown tracker 'nosuch'; valid names: csrt"):
        weights_kind("nosuch")
