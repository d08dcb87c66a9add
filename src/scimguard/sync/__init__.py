"""The provisioning engine: plan and apply a directory into an AWS-like SCIM endpoint.

Modules, one job each:
    db         open the engine database and run its Alembic chain (`migrations/`)
    tables     the SQL tables: runs, tasks, resources the engine owns in the target
    settings   what a run is configured with (`RunSettings`), stored with the run and read
               back as one object by Retry
    tasks      the task queue API (list, show, dismiss, Okta-style messages): a leaf that the
               executor writes and retry reads
    diagnosis  where a refusal the target named only by rule sits in the request sent: the
               one diagnosis of `tasks show` and the console's task page
    backoff    the one retry policy (tenacity) of the SCIM client and the API sources: 429,
               5xx and no answer retried with full jitter, the server's delay winning
    client     the SCIM client: quota-aware rate limiter, retries by `backoff`, cursor pages
    transport  the HTTP under it (aiohttp: a third of httpx's CPU a request; a resync waits
               on its pages one by one)
    drain      a graceful stop: no new request once asked, those in flight finish
    source_state  the engine database as a source's memory between runs (delta cursors)
    omitted    partial addresses left out of the desired state, and their notes on the task list
    ops        what matching makes: `Owned` (a row of what the engine owns) and `Op`
    target_index  the target's resources by id, externalId and name, page by page
    source_side   what a plan needs of the source alone, worked out between the target's pages
    matching   one record against the target (`Matcher`); users decided as pages come in
    planner    desired vs target -> plan (create, update, deactivate, delete, blocked, members)
    membership which groups' members a run reads (the others vouched for by a record of the
               last read: digest, meta.lastModified, when), the rotating verification, drift
    memory     what a failed or blocked task sent: an unchanged refusal is not sent again
    executor   applies a plan: the order of its operations, their concurrency, the stop (401/403)
    sender     sends one operation and records how it ended; what does not succeed becomes a task
    refusals   why the target refused: the rule and findings a failed task is filed under
    recorder   what a run writes to the state: tasks, owned resources, intents (batched)
    retry      re-reads one record from its source and sends only its operations (`retry()`,
               the `tasks retry` command and the console's Retry button)
    report     a run's exit status and `--format json` summary (what a scheduler reads)

Where the desired state comes from (files, Okta, the next directories) is `scimguard.sources`:
one `Source` protocol with a registry; the engine reads every spec through `read_all`.

No module imports another in a circle, not even inside a function, and each imports on its
own (tests/test_package_imports.py, which reads the whole package).
"""
