"""Drawing activation regions (relugeom.arrangement.plot) without side effects on the caller."""

import pytest

from relugeom import ShallowNetwork
from relugeom.arrangement.plot import plot_regions
from relugeom.arrangement.regions import region_report


def test_plotting_leaves_the_callers_matplotlib_alone(tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    backend = "svg" if matplotlib.get_backend().lower() != "svg" else "pdf"
    matplotlib.use(backend)
    figures = plt.get_fignums()
    net = ShallowNetwork([[1, 0], [0, 1]], [0, 0], [[1, 1]], [0])
    plot_regions(region_report(net), str(tmp_path / "r.png"))
    assert matplotlib.get_backend().lower() == backend
    assert plt.get_fignums() == figures
