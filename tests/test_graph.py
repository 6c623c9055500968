"""w2v walks: edge lists, CSR adjacency, random walks, and DeepWalk on Zachary's karate club."""

import collections

import numpy as np
import pytest
from click.testing import CliRunner

import w2v
from w2v.cli import cli
from w2v.errors import W2VError
from w2v.evaluate import bundled as bundled_file
from w2v.graph import read_edge_list, write_walks

# Zachary (1977), "An Information Flow Model for Conflict and Fission in Small Groups", J.
# Anthropological Research 33: the 78 friendships of the 34 members of a karate club (members
# numbered 1-34 as in the paper), each with the number of contexts the two met in (Matrix C,
# as NetworkX's karate_club_graph gives it), and the club each member joined after the split.
KARATE = (
    "1 2 4\n1 3 5\n1 4 3\n1 5 3\n1 6 3\n1 7 3\n1 8 2\n1 9 2\n1 11 2\n1 12 3\n"
    "1 13 1\n1 14 3\n1 18 2\n1 20 2\n1 22 2\n1 32 2\n2 3 6\n2 4 3\n2 8 4\n2 14 5\n"
    "2 18 1\n2 20 2\n2 22 2\n2 31 2\n3 4 3\n3 8 4\n3 9 5\n3 10 1\n3 14 3\n3 28 2\n"
    "3 29 2\n3 33 2\n4 8 3\n4 13 3\n4 14 3\n5 7 2\n5 11 3\n6 7 5\n6 11 3\n6 17 3\n"
    "7 17 3\n9 31 3\n9 33 3\n9 34 4\n10 34 2\n14 34 3\n15 33 3\n15 34 2\n16 33 3\n16 34 4\n"
    "19 33 1\n19 34 2\n20 34 1\n21 33 3\n21 34 1\n23 33 2\n23 34 3\n24 26 5\n24 28 4\n24 30 3\n"
    "24 33 5\n24 34 4\n25 26 2\n25 28 3\n25 32 2\n26 32 7\n27 30 4\n27 34 2\n28 34 4\n29 32 2\n"
    "29 34 2\n30 33 4\n30 34 2\n31 33 3\n31 34 3\n32 33 4\n32 34 4\n33 34 5\n"
)
MR_HI = {1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 17, 18, 20, 22}  # the others joined the officer's club


def edges(text):
    return [tuple(line.split()[:2]) for line in text.splitlines()]


@pytest.fixture
def karate(tmp_path):
    weighted = tmp_path / "karate.txt"
    weighted.write_text("# Zachary's karate club: member member contexts\n" + KARATE)
    unweighted = tmp_path / "karate-unweighted.txt"
    unweighted.write_text("".join(f"{u} {v}\n" for u, v in edges(KARATE)))
    return {"weighted": weighted, "unweighted": unweighted}


def test_karate_club_has_its_published_size(karate):
    graph = read_edge_list(karate["weighted"])
    assert (graph.n_nodes, graph.n_edges, graph.neighbours.size) == (34, 78, 156)


def test_the_bundled_karate_club_is_this_table():
    bundled = [line for line in bundled_file("karate-club.txt").read_text().splitlines() if not line.startswith("#")]
    assert bundled == KARATE.splitlines()


@pytest.mark.parametrize("directed", [False, True])
def test_csr_holds_every_edge(karate, directed):
    graph = read_edge_list(karate["weighted"], directed=directed)
    expected = collections.defaultdict(set)
    for u, v in edges(KARATE):
        expected[u].add(v)
        if not directed:
            expected[v].add(u)
    for node, name in enumerate(graph.names):
        got = {graph.names[n].decode() for n in graph.neighbours[graph.offsets[node] : graph.offsets[node + 1]]}
        assert got == expected[name.decode()]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["unweighted", "weighted"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_deepwalk_separates_the_karate_clubs_factions(karate, tmp_path, kind, seed):
    # Leave-one-out: each member's faction predicted by the majority of its 5 nearest members (cosine).
    walks = tmp_path / "walks.txt"
    write_walks(read_edge_list(karate[kind]), walks, walks_per_node=10, length=40, seed=seed)
    config = w2v.TrainConfig(tokenizer="whitespace", dim=16, min_count=1, sample=0, seed=seed, threads=1)
    model = w2v.train(str(walks), config, quiet=True)
    vectors = np.array([model[str(member)] for member in range(1, 35)])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    faction = np.array([member in MR_HI for member in range(1, 35)])
    predicted = np.array([faction[np.argsort(-row)[:5]].mean() > 0.5 for row in similarity])
    assert (predicted == faction).mean() >= 0.94


def test_walks_follow_edges_and_stop_at_a_sink(tmp_path):
    graph_file = tmp_path / "g.txt"
    graph_file.write_text("a b\nb c\nc a\nc sink\n")
    out = tmp_path / "walks.txt"
    counts = write_walks(read_edge_list(graph_file, directed=True), out, walks_per_node=3, length=6, seed=2)
    lines = [line.split() for line in out.read_text().splitlines()]
    assert counts.walks == len(lines) == 12 and counts.nodes == sum(map(len, lines))
    allowed = {("a", "b"), ("b", "c"), ("c", "a"), ("c", "sink")}
    for walk in lines:
        assert all(step in allowed for step in zip(walk, walk[1:], strict=False))
        assert len(walk) == 6 or walk[-1] == "sink"
    assert collections.Counter(walk[0] for walk in lines) == {"a": 3, "b": 3, "c": 3, "sink": 3}
    assert ["sink"] in lines  # a walk from a node with no out-edge is the node alone


def test_weighted_steps_follow_the_weights(tmp_path):
    graph_file = tmp_path / "star.txt"
    graph_file.write_text("hub x 1\nhub y 2\nhub z 7\n")
    out = tmp_path / "walks.txt"
    write_walks(read_edge_list(graph_file, directed=True), out, walks_per_node=20_000, length=2, seed=1)
    firsts = collections.Counter(line.split()[1] for line in out.read_text().splitlines() if line.startswith("hub"))
    shares = np.array([firsts[n] for n in "xyz"]) / 20_000
    np.testing.assert_allclose(shares, [0.1, 0.2, 0.7], atol=0.012)


def test_same_seed_same_walks_and_names_kept_verbatim(tmp_path):
    graph_file = tmp_path / "g.txt"
    graph_file.write_text("007 Ünïcødé\nÜnïcødé 42\n42 007\n")
    runs = []
    for seed in (5, 5, 6):
        write_walks(read_edge_list(graph_file), tmp_path / "w.txt", walks_per_node=4, length=10, seed=seed)
        runs.append((tmp_path / "w.txt").read_text(encoding="utf-8"))
    assert runs[0] == runs[1] != runs[2]
    assert set(runs[0].split()) == {"007", "Ünïcødé", "42"}


@pytest.mark.parametrize(
    "text,message",
    [
        ("a b\nc\n", r"g.txt:2: expected 2 fields like the first edge, got 1 field: 'c'"),
        ("a\n", r"g.txt:1: expected 'u v' or 'u v weight', got 1 field: 'a'"),
        ("a b 1\nb c heavy\n", r"g.txt:2: the weight 'heavy' is not a positive number"),
        ("a b -2\n", r"g.txt:1: the weight '-2' is not a positive number"),
        ("a b 1 2\n", r"g.txt:1: expected 'u v' or 'u v weight', got 4 fields"),
        ("# nothing\n\n", r"g.txt has no edges"),
    ],
)
def test_bad_edge_lists_are_one_line_errors(tmp_path, text, message):
    graph_file = tmp_path / "g.txt"
    graph_file.write_text(text)
    with pytest.raises(W2VError, match=message):
        read_edge_list(graph_file)
    result = CliRunner().invoke(cli, ["walks", str(graph_file), "-o", str(tmp_path / "out.txt")])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and result.output.startswith("Error: ")
    assert not (tmp_path / "out.txt").exists()


def test_cli_writes_walks_to_a_file_or_stdout(karate, tmp_path):
    runner = CliRunner()
    result = runner.invoke(cli, ["walks", str(karate["weighted"]), "-o", str(tmp_path / "w.txt"), "--length", "5"])
    assert result.exit_code == 0
    assert result.output.startswith("wrote 340 walks (1,700 nodes) from a graph of 34 nodes and 78 undirected edges, "
                                    f"weighted to {tmp_path / 'w.txt'} in ")  # fmt: skip
    result = runner.invoke(cli, ["walks", str(karate["unweighted"]), "--walks-per-node", "1"])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 34


def test_cli_directed_walks_and_seed(tmp_path):
    graph_file = tmp_path / "g.txt"
    graph_file.write_text("a b\nb c\nc a\nc sink\n")
    runner = CliRunner()
    outputs = []
    for seed in ("3", "3", "4"):
        result = runner.invoke(cli, ["walks", str(graph_file), "--directed", "--seed", seed, "--walks-per-node", "20",
                                     "--length", "5", "-o", str(tmp_path / "w.txt")])  # fmt: skip
        assert result.exit_code == 0 and "4 nodes and 4 directed edges to" in result.output
        outputs.append((tmp_path / "w.txt").read_text())
    assert outputs[0] == outputs[1] != outputs[2]
    assert all(line.split()[-1] == "sink" or len(line.split()) == 5 for line in outputs[0].splitlines())
    assert "sink a" not in outputs[0] and "b a" not in outputs[0]  # edges are followed one way only
