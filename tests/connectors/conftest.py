import pytest


@pytest.fixture
def sandbox():
    sandbox_mod = pytest.importorskip("sandbox")
    with sandbox_mod.Sandbox(seed=7, leads=0) as sb:
        sb.set_faults(**sandbox_mod.EXACT_TIMING)  # tests of late changes opt in
        yield sb
