from w2v.report import Log, estimate, plural


def test_estimates_are_readable():
    assert estimate(1000, 1.0, 8_000).startswith("estimated training time: 8 s at 1,000 words/s")
    assert estimate(1000, 1.0, 75_000).startswith("estimated training time: 1 min 15 s")
    assert estimate(1000, 2.0, 7_500_000).startswith("estimated training time: 4 h 10 min at 500 words/s")


def test_plural():
    assert plural(1, "line") == "1 line" and plural(12_000, "line") == "12,000 lines"


def test_log_goes_to_stderr_unless_quiet(capsys):
    Log(quiet=False)("hello")
    Log(quiet=True)("hidden")
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "hello\n")


def test_a_bar_whose_construction_was_interrupted_is_dropped_silently(capsys):
    # Ctrl-C inside tqdm's __init__ (right after "training ..." is printed) leaves an object
    # without `pos`; tqdm's own __del__ then printed "AttributeError: 'tqdm' object has no
    # attribute 'pos'" after w2v's "interrupted: ..." line.
    import gc

    from w2v.report import _bar_class

    bar_class = _bar_class()
    half_built = bar_class.__new__(bar_class)
    half_built.disable, half_built.leave = False, True  # as far as __init__ got
    del half_built
    gc.collect()
    assert capsys.readouterr().err == ""
