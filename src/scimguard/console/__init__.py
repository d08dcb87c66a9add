"""The web console: the engine's tasks with Retry Selected, its users and groups, the inspector.

Modules, one job each:
    tables      the console's SQL tables (admins, settings, sessions, sign-in failures, reports)
    db          open the engine database and run the console's Alembic chain (`migrations/`)
    accounts    admin accounts: argon2id hashes, sign-in checks, the sign-in backoff
    sessions    server-side sessions in signed cookies, the CSRF token of each session
    queries     what the pages read from the engine's tables (runs, owned users and groups)
    inspector   one value, code point by code point, with the profile's verdict
    checking    the Check page: an uploaded export through `scimguard.check`
    limits      request bodies read under a cap counted on the bytes received
    display     how templates show values (hidden characters, spaces, messages, times)
    security    the headers every answer carries (CSP, no framing, no caching)
    marks       which spaces a page marks, and messages repeated row after row
    fixing      *Apply suggested fix*: the record of applied changes, the run's profile
    fix_pages, fix_okta, fix_file   the review page, and writing a fix to Okta or to a file
    grid, grid_pages                the Check page's grid of suggestions (fix's engine)
    pages       what the page modules share with the app: `Ctx`, `Handler`, `Host`
    signin_pages    sign-in and sign-out, the pages outside the session guard
    task_pages      the dashboard, the task list (Retry Selected, Dismiss), one task
    resource_pages  the users and groups the engine provisioned
    check_pages     the Check page (upload, CSV download) and the inspector
    app         the Starlette application: routes, the session guard, CSRF, templates
"""
