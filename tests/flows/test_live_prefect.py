"""The Prefect UI brought up to date as each batch finishes, not once per operation or at the run's end: the
counts per operation, each operation's progress, the anomalies table with each rejected row's source."""

from __future__ import annotations

import json

from .conftest import WaveRun


def artifacts_of(run: WaveRun, key: str) -> list:
    """Every version of an artifact the run made, oldest first."""
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, FlowRunFilter, FlowRunFilterId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.flow_run_id])),
        )
    return sorted(found, key=lambda artifact: artifact.created)


def test_counts_per_operation_are_published_as_batches_finish(pilot: WaveRun):
    versions = [{row["operation"]: row for row in json.loads(a.data)} for a in artifacts_of(pilot, "pilot-counts")]
    batches = sum(op["batches"] for op in pilot.counts.values())
    # one as each operation starts, then one per batch, or per few batches when they finish faster than Prefect
    # takes them
    assert len(pilot.counts) < len(versions) <= batches + len(pilot.counts)
    last = versions[-1]
    assert set(last) == set(pilot.counts)
    for operation, counts in pilot.counts.items():
        assert last[operation]["batches"] == f"{counts['batches']}/{counts['batches']}"
        assert last[operation]["rejected"] == counts.get("rejected", 0) and last[operation]["progress"] == "100%"
    between = 0
    for operation, counts in pilot.counts.items():
        told = [int(v[operation]["batches"].split("/")[0]) for v in versions if operation in v]
        told = list(dict.fromkeys(told))
        assert told[0] == 0 and told[-1] == counts["batches"] and told == sorted(told)
        between += len(told) - 2
    assert between >= 1  # told while operations ran, not only as they started and ended


def test_progress_says_the_counts_and_the_anomalies_table_grows_during_the_run(pilot: WaveRun):
    (progress,) = artifacts_of(pilot, "pilot-migration")
    migration = pilot.counts["migration"]
    done = sum(migration.get(status, 0) for status in ("created", "updated", "unchanged", "sent", "confirmed"))
    assert progress.data == 100.0 and progress.description == (
        f"pilot: migration, {migration['batches']}/{migration['batches']} batches; items: "
        f"{done} done, {migration['rejected']} rejected, 0 failed, "
        "0 in batches already done (skipped)"
    )
    tables = artifacts_of(pilot, "pilot-anomalies")
    (summary,) = artifacts_of(pilot, "pilot-summary")
    during = [t for t in tables if t.created < summary.created]
    assert during and len(json.loads(during[0].data)) < len(json.loads(tables[-1].data))  # grew as batches ended
    rows = json.loads(tables[-1].data)
    customer = next(row for row in rows if row["item"] == "C10017")
    assert customer["source"] == "legacy_customers.csv:18" and "legacy_customers.csv" not in customer["reason"]
    assert customer["see more"] == "erpflow trace C10017"
    assert "## Next" in summary.data and "`erpflow gate pilot`" in summary.data
    assert "`erpflow anomaly list pilot`" in summary.data and "`erpflow report pilot`" in summary.data


def test_the_terminal_summary_ends_with_the_commands_to_type_next(cli, tmp_path):
    from .conftest import small_pilot

    done = cli("run", str(small_pilot(tmp_path / "project", wave="lille")))
    assert done.exit_code == 0, done.output
    tail = done.output[done.output.index("Next:") :]
    for command in ("erpflow report lille", "erpflow anomaly list lille", "erpflow training attend lille SHEET"):
        assert command in tail
    assert tail.rstrip().splitlines()[-1].split()[:3] == ["erpflow", "gate", "lille"]
