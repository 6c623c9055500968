"""Training on several machines: `--cluster ADDRESS | local:N | simulate:N` (docs/cluster.md).

    shares.py   the corpus cut into one share per worker, at line breaks
    counts.py   the vocabulary counted by the workers, merged by a stable hash of the word
    shard.py    a worker's share: counted, encoded and trained where it lives (the tasks)
    merge.py    the merge rule of a round: each row moves by the mean of its workers' changes
    backends.py where the shards live: simulated in this process, or on Dask workers
    driver.py   the rounds, the global weights, checkpoints and the per-round record

A one-machine run imports none of this, and only backends.DaskCluster imports dask.
"""
