"""Nothing dropped silently: near misses between the plan's sites and the HR export's."""

from __future__ import annotations

from erpflow.inputs.nearmiss import near


def test_a_near_miss_is_found_through_case_accents_and_a_letter():
    sites = ["Aix-en-Provence", "Marseille", "Orléans"]
    assert near("Aix-en-provence", sites) == "Aix-en-Provence"
    assert near("Marseile", sites) == "Marseille"
    assert near("ORLEANS", sites) == "Orléans"
    assert near("Toulon", sites) is None
    assert near("Marseille", sites) is None  # the same name is no near miss
