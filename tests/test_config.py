"""TrainConfig: defaults, validation, saving."""

import pytest

import w2v


@pytest.mark.parametrize("field,value,message", [
    ("negative", 0, "negative must be at least 1 (or 0 with hs: hierarchical softmax alone), got 0"),
    ("negative", -3, "negative must be at least 1 (or 0 with hs: hierarchical softmax alone), got -3"),
    ("dim", 0, "dim must be at least 1, got 0"),
    ("window", -1, "window must be >= 0 (0: every other token of the line), got -1"),
    ("ns_exponent", 1.5, "ns_exponent must be in [-1, 1], got 1.5"),
    ("freeze_init", True, "freeze_init freezes the vectors taken from init_vectors; give init_vectors too"),
    ("epochs", 0, "epochs must be at least 1, got 0"),
    ("sample", -1.0, "sample must be >= 0 (0 turns subsampling off), got -1.0"),
    ("alpha", 0.0, "alpha must be positive, got 0.0"),
    ("min_alpha", 1.0, "min_alpha must be in (0, alpha=0.025], got 1.0"),
    ("arch", "glove", "arch must be one of skipgram, cbow, got 'glove'"),
])  # fmt: skip
def test_config_rejects_bad_values_with_a_message(field, value, message):
    with pytest.raises(w2v.ConfigError) as error:
        w2v.TrainConfig(**{field: value})
    assert str(error.value) == message


def test_a_config_round_trips_through_a_dict_and_ignores_unknown_keys():
    config = w2v.TrainConfig(arch="cbow", dim=32, max_vocab=10, lowercase=False)
    assert w2v.TrainConfig.from_dict({**config.to_dict(), "from_a_later_version": 1}) == config


def test_learning_rates_default_by_architecture():
    assert (w2v.TrainConfig().start_alpha, w2v.TrainConfig(arch="cbow").start_alpha) == (0.025, 0.05)
    assert w2v.TrainConfig(alpha=0.1).end_alpha == pytest.approx(0.1 * 1e-4)
    assert w2v.TrainConfig(tokenizer="whitespace").lowercases is False and w2v.TrainConfig().lowercases is True


def test_options_by_name_must_be_options():
    assert w2v.TrainConfig.from_options({"dim": 8}) == w2v.TrainConfig(dim=8)
    with pytest.raises(w2v.ConfigError, match="^dimm is not a training option"):
        w2v.TrainConfig.from_options({"dimm": 8})


def test_hs_alone_implies_no_negative_sampling_unless_negative_is_given():
    assert w2v.TrainConfig().negative == 5 and not w2v.TrainConfig().hs
    assert w2v.TrainConfig(hs=True).negative == 0
    assert w2v.TrainConfig(hs=True, negative=3).negative == 3
    saved = w2v.TrainConfig(hs=True).to_dict()
    assert saved["negative"] == 0 and w2v.TrainConfig.from_dict(saved) == w2v.TrainConfig(hs=True)
    with pytest.raises(w2v.ConfigError, match="negative must be at least 1"):
        w2v.TrainConfig(hs=True, negative=-1)
