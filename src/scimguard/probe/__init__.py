"""`scimguard probe`: what one AWS tenant refuses, measured, and the profile calibrated to it.

Modules, one job each:
    catalogue  the versioned probe records, one open question each
    verdict    the profile's answer (`check` on the same records), the tenant's, the switches
               that make them agree
    journal    every user the probe may have created, in the engine's state, before the request
    runner     sends the probes (paced, retried, stopped by 401/403) and removes what they made
    report     text and JSON
"""
