"""The Markdown summary (the Prefect summary artifact, `erpflow report`) shows people's text as text."""

from __future__ import annotations

from types import SimpleNamespace

from erpflow.model.gate import Result
from erpflow.projections.report import Report
from erpflow.projections.status import WaveStatus
from erpflow.reports.markdown import markdown, text

HOSTILE_SITE = '<img src=x onerror="alert(1)"> Lyon | **bold** [link](http://evil.example)\nsecond line'


def test_markup_in_a_value_is_escaped_and_kept_on_one_line():
    shown = text(HOSTILE_SITE)

    assert "<" not in shown and ">" not in shown and "\n" not in shown
    assert "\\|" in shown and "\\*\\*bold\\*\\*" in shown and "\\[link\\]" in shown
    assert shown.startswith("&lt;img src=x onerror=")


def test_the_summary_carries_no_raw_html_from_a_site_or_an_actor():
    status = WaveStatus("pilot", "pilot", [HOSTILE_SITE], "completed", 1, [], {})
    gate = SimpleNamespace(
        gate="exit", passed=True, results=[Result("c1", "<i>open</i> anomalies", 0, "==", 0, True, "open_anomalies")]
    )
    report = Report(status, {}, [], [], [], {}, {}, gate, {"decision": "go", "by": "<b>eve</b>\r\n| x |"}, [])

    summary = markdown(report)

    assert "<img" not in summary and "<b>" not in summary and "<i>" not in summary
    assert summary.splitlines()[0].startswith("# Wave pilot (pilot, &lt;img src=x")
    assert summary.splitlines()[-1] == "Decision recorded: **go** by &lt;b&gt;eve&lt;/b&gt; \\| x \\|"
