"""--tokenizer jieba: Chinese words as jieba cuts them, in worker processes, and the error
without jieba."""

from __future__ import annotations

import importlib.util

import pytest

import w2v
from w2v import segment
from w2v.corpus import resolve_sources
from w2v.errors import ConfigError
from w2v.tokenize import tokenize

jieba = pytest.importorskip("jieba")

MIXED = "我爱北京天安门。Python3 很好用, Hello World!\n第二行：自然语言处理很有趣\n"


def test_jieba_cuts_words_keeps_latin_words_and_drops_punctuation():
    assert tokenize(MIXED, "jieba") == ["我", "爱", "北京", "天安门", "python3", "很", "好", "用", "hello", "world",
                                        "第二行", "自然语言", "处理", "很", "有趣"]  # fmt: skip
    # jieba's own cut, less its spaces and punctuation, lowercased:
    expected = [w.lower() for w in jieba.lcut(MIXED) if w.strip() and w not in "。,!：" and w != "\n"]
    assert tokenize(MIXED, "jieba") == expected
    assert tokenize("北京", "simple") == ["北", "京"]  # character vectors stay under simple


def test_worker_processes_give_what_one_process_gives(tmp_path, monkeypatch):
    corpus = tmp_path / "zh.txt"
    corpus.write_text(MIXED * 40 + "最后一行没有换行")
    sources = resolve_sources([str(corpus)])

    def lines(texts) -> list[list[bytes]]:  # chunks cut at other places may differ in spaces, not in tokens
        return [line.split() for line in b"".join(texts).split(b"\n")]

    alone = lines(text for text, *_ in segment.normalized_chunks(sources, "jieba", True, workers=1))
    monkeypatch.setattr(segment, "IN_PROCESS_BYTES", 0)
    monkeypatch.setattr(segment, "SEGMENT_BYTES", 200)  # many chunks, cut between lines and words
    chunks = list(segment.normalized_chunks(sources, "jieba", True, workers=2))
    assert len(chunks) > 10
    assert lines(text for text, *_ in chunks) == alone
    assert alone[0] == [w.encode() for w in tokenize(MIXED.splitlines()[0], "jieba")] and len(alone) == 81
    assert [consumed for _, _, consumed, _ in chunks] == sorted(consumed for _, _, consumed, _ in chunks)


def test_training_on_chinese_words(tmp_path):
    corpus = tmp_path / "zh.txt"
    corpus.write_text(MIXED * 20)
    model = w2v.train(str(corpus), w2v.TrainConfig(tokenizer="jieba", min_count=1, dim=8, epochs=1), quiet=True)
    assert "北京" in model.vocab.index and "天安门" in model.vocab.index and "北" not in model.vocab.index
    assert model.config.tokenizer == "jieba"


def test_phrases_on_chinese_words(tmp_path):
    corpus = tmp_path / "zh.txt"
    corpus.write_text("我们 在 北京 大学 学习\n北京大学 很 大\n" * 10)
    out = tmp_path / "out.txt"
    w2v.phrases(str(corpus), out, w2v.PhrasesConfig(tokenizer="jieba", min_count=1, threshold=0.0), quiet=True)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 20 and all("_" in line for line in lines)


def test_without_jieba_the_tokenizer_is_a_one_line_error(tmp_path, monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jieba" else find_spec(name, *a))
    corpus = tmp_path / "zh.txt"
    corpus.write_text(MIXED)
    with pytest.raises(ConfigError, match=r"pip install 'w2v\[zh\]'"):
        w2v.train(str(corpus), w2v.TrainConfig(tokenizer="jieba", min_count=1), quiet=True)
    from click.testing import CliRunner

    from w2v.cli import cli

    result = CliRunner().invoke(cli, ["train", str(corpus), "--tokenizer", "jieba", "--model-dir", str(tmp_path / "m")])
    assert result.exit_code == 1 and "Error: --tokenizer jieba needs the jieba package" in result.output
    assert not (tmp_path / "m").exists()


def test_chinese_analogies_in_the_google_format(tmp_path):
    import numpy as np

    from w2v.evaluate import evaluate

    words = ["北京", "中国", "东京", "日本", "巴黎", "法国"]
    vectors = np.array([[1, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 1], [0, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 0]], "f4")
    model = w2v.Model(w2v.model.Vocab(words, np.arange(6, 0, -1)), vectors)
    questions = tmp_path / "ca8.txt"
    questions.write_text(": capital\n中国 北京 日本 东京\n中国 北京 法国 巴黎\n日本 东京 德国 柏林\n", encoding="utf-8")
    report = evaluate(model, [questions], [])
    [section] = report.analogies["ca8.txt"]
    assert (section.name, section.correct["add"], section.answered, section.total) == ("capital", 2, 2, 3)
