"""Running `scimguard sync` unattended: from a config file, on a schedule, observed.

Modules, one job each:
    config     `--config FILE`: the command's options from TOML, validated, secrets refused
    options    the Click options of unattended runs, and `Mode`, what they ask for
    duration   "30m", "2s", "1h30m" -> seconds
    lease      one run at a time per target: a row in the engine's state, compare-and-set
    events     one event a line on stderr (JSON or text), never a token or a record
    metrics    Prometheus metrics and `/healthz` on a local HTTP port
    runner     one run: under the lease, stoppable through its gate, reported
    schedule   when runs happen (the jittered grid, signals) and `take_over`, the seam with sync

The engine itself (`scimguard.sync.run.run_sync_async`) is unchanged: this package only decides
when a run starts, keeps others out, stops it cleanly and reports what it did.
"""
