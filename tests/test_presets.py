"""Every lesson preset tells the truth: each sentence of its narrative (and of the first page),
measured on its own runs, on seeds 0..9.

The claims live in tests/preset_claims.py (``python bench/claims.py`` prints them as a table with
the seeds each one holds on). The seed sweeps take about a minute: ``-m "not slow"`` skips them
in a quick local run; CI runs them.
"""

from __future__ import annotations

import pytest

from initdash.blas import limit_blas_threads
from initdash.presets import PRESETS
from tests.preset_claims import CLAIMS, LESSON_TABLE, SEEDS, lesson_table, tally

limit_blas_threads(1)


@pytest.mark.slow
@pytest.mark.parametrize("claim", CLAIMS, ids=[f"{c.where}: {c.says}" for c in CLAIMS])
def test_claim_holds_on_every_seed(claim):
    failing = tally(claim)
    assert not failing, f"{claim.where}: {claim.says!r} fails on seeds {failing} of {SEEDS}"


@pytest.mark.slow
def test_seed_table_reproduces_the_lessons_table_cell_by_cell():
    """The lesson's TL;DR (symmetry broken? / risk of a vanishing gradient? / outcome), each
    cell from the run's measurements, on every seed."""
    for seed in SEEDS:
        assert lesson_table(seed) == LESSON_TABLE, f"seed {seed}"


def test_every_preset_has_claims_and_a_narrative():
    """A preset without checked claims could say anything: each one is covered."""
    covered = {c.where for c in CLAIMS}
    for name, preset in PRESETS.items():
        assert name in covered, f"preset {name!r} has no claims in tests/preset_claims.py"
        assert preset.narrative and preset.title


def test_deep_settings_are_valid_for_the_lab():
    """Preset.deep opens the deep-signal lab: an activation and a depth it can draw."""
    from initdash import ACTIVATIONS

    for preset in PRESETS.values():
        if preset.deep:
            assert set(preset.deep) == {"activation", "depth"}
            assert preset.deep["activation"] in ACTIVATIONS
            assert 1 <= preset.deep["depth"] <= 50
