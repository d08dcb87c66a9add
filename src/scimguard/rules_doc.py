"""The words of one rule, for `scimguard rules CODE` and docs/rules/CODE.md (the same text).

The example findings are computed by the profile from the catalogue's example records, so the
page shows what `check` really says.
"""

from __future__ import annotations

import json
from pathlib import Path

from scimguard.check import check_resources
from scimguard.profile import BY_CODE, RULES, Profile, Rule, Switches
from scimguard.profile.switches import IncompleteAddress

_SEVERITY = {
    "error": "error: the endpoint refuses the record",
    "warning": "warning: accepted, but risky",
}


def severity_text(rule: Rule) -> str:
    if rule.severity is None:
        return "diagnosis from the target (reported by the provisioning engine)"
    return _SEVERITY[rule.severity.value]


def _example_findings(rule: Rule, example: str) -> list[str]:
    """What the profile says about an example record, for this rule only."""
    try:
        data = json.loads(example)
    except ValueError:
        return []
    resources = data if isinstance(data, list) else [data]
    # Each example runs under the switch value that makes its rule speak.
    omit: IncompleteAddress = "omit" if rule.switch == "incomplete_address" else "block"
    report = check_resources(resources, Profile(Switches(incomplete_address=omit)), file="example")
    lines = []
    for ref, finding in report.findings:
        if finding.rule == rule.code:
            where = f"record {ref.record}, " if len(resources) > 1 else ""
            lines.append(f"{where}{finding.attribute}: {finding.message}")
    return lines


def render(rule: Rule) -> str:
    """Markdown for one rule; also what `scimguard rules CODE` prints."""
    out = [f"# `{rule.code}`: {rule.title}", ""]
    out.append(f"- Severity: {severity_text(rule)}")
    out.append(f"- Applies to: {rule.applies_to}")
    out.append(f"- Fires when: {rule.fires_when}")
    if rule.switch:
        out.append(f"- Switch: `{rule.switch}` (see `scimguard check --help`)")
    out += ["", "## Why", "", rule.why, "", "## Fix", "", rule.fix, ""]
    if rule.bad:
        out += ["## Example", "", "Refused (or warned about):", "", "```json", rule.bad, "```", ""]
        said = _example_findings(rule, rule.bad)
        if said:
            out += ["`scimguard check` says:", ""]
            out += [f"> {line}" for line in said]
            out.append("")
    if rule.good:
        out += ["A close case that passes this rule:", "", "```json", rule.good, "```", ""]
    return "\n".join(out)


def index() -> str:
    out = ["# Rules of the aws-identity-center profile", ""]
    out += ["| code | severity | what |", "|---|---|---|"]
    for rule in RULES:
        severity = rule.severity.value if rule.severity else "target"
        out.append(f"| [`{rule.code}`]({rule.code}.md) | {severity} | {rule.title} |")
    out.append("")
    return "\n".join(out)


def generated() -> dict[str, str]:
    """File name -> content, for every page of docs/rules/."""
    pages = {f"{rule.code}.md": render(rule) for rule in RULES}
    pages["index.md"] = index()
    return pages


def write(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in generated().items():
        path = directory / name
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def get(code: str) -> Rule | None:
    return BY_CODE.get(code)
