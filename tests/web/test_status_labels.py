"""Every state of every state machine has a name in the page's language; no page prints a code."""

from __future__ import annotations

import re

import pytest
from flask import Flask, render_template_string

from furusato.config import PROJECT_ROOT
from furusato.domain.labels import LABELS, MACHINES

STATES = [(machine, str(state)) for machine, enum in MACHINES.items() for state in enum]
# A template expression that prints a stored state as text: `{{ x.status }}`, `{{ c.outcome }}` …
# (an attribute's value, `data-state="{{ state.status }}"`, is for the script, not for people).
RAW = re.compile(r'(?<!=")\{\{\s*\w+(?:\.\w+)*\.(?:status|outcome|phase|role|miss_policy)\s*\}\}')


def _render(app: Flask, locale: str, machine: str, state: str) -> str:
    with app.test_request_context("/", headers={"Cookie": f"lang={locale}"}):
        return render_template_string(
            "{{ state|label(machine) }}", state=state, machine=machine
        ).strip()


def test_each_machine_names_every_state() -> None:
    """A table per state machine, with a label for each of its states and no other."""
    assert set(LABELS) == set(MACHINES)
    for machine, enum in MACHINES.items():
        assert set(LABELS[machine]) == {str(s) for s in enum}, machine


@pytest.mark.parametrize(("machine", "state"), STATES)
def test_each_state_reads_in_japanese_and_in_english(app: Flask, machine: str, state: str) -> None:
    """In Japanese the label is Japanese; in English it is English; neither is the stored code."""
    japanese = _render(app, "ja", machine, state)
    english = _render(app, "en", machine, state)
    assert japanese == LABELS[machine][state]
    assert japanese != state and not japanese.isascii()
    assert english.isascii() and english != japanese, english
    assert english != state


def test_no_template_prints_a_stored_state() -> None:
    """Templates show a state through its label (`|label(...)`), never as stored."""
    found = [
        f"{path.relative_to(PROJECT_ROOT)}: {match.group(0)}"
        for path in (PROJECT_ROOT / "templates").rglob("*.html")
        for match in RAW.finditer(path.read_text("utf-8"))
    ]
    assert found == []
