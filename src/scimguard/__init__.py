"""scimguard: predictable SCIM provisioning into AWS IAM Identity Center.

The map, one package or module per part of the product:

    profile      what AWS IAM Identity Center accepts: the rules, their catalogue, the switches
    records      reading exports (CSV, JSON, JSON lines, Okta) as a stream of SCIM records
    check        the engine of `scimguard check` and its JSON and CSV reports (check_text: the
                 text report; check_parallel: the same on several cores)
    fix          a corrected copy of an export, with its change log and undo file
    sync         the provisioning engine: plan, apply, tasks, retry
    unattended   `sync` on a schedule, under a lease, observed
    server       the emulator (`scimguard serve`)
    console      the web console over the engine's state
    cli          the `scimguard` command, one module per sub-command

Shared by them all, leaves that import nothing of the packages above:

    errors       the one tree of input and usage errors (ScimguardError), drawn in its docstring;
                 cli/errors.py is the one place that turns them into messages and exit codes
    rates        AWS's 25 writes and 40 reads per second: the emulator's quota defaults and the
                 pace a sync keeps, defined once
    db           database URLs and engines, and the Alembic runner of each component's `db`
    text         code points, confusables and the visible spelling of hidden characters

Settings travel whole: the profile's `Switches` (profile/switches.py), a run's `RunSettings`
(sync/settings.py), the emulator's `Settings` (server/settings.py). Each is built in one place
per input: the command line (cli/options.py), a stored run (`RunSettings.from_json`), the
console's form (console/checking.py).

No import cycle anywhere, and no import inside a function outside `cli/` without a `# why:`
(tests/test_package_imports.py).
"""

__version__ = "0.1.0"
