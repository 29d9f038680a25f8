"""The experiments' progress lines (relugeom.progress): the bar's label appears once a line.

The experiments name their runs in the status after the bar ("training: step 3/600, dim 12"),
and the bar of experiment "training" is labelled "training" too; the line must read
"training:  50%|… step 3/600, dim 12", not "training:  50%|… training: step 3/600, …".
"""

import io

import numpy as np

from relugeom.experiments import descent
from relugeom.experiments.record import Samples, train_and_record
from relugeom.progress import progress


def _lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().replace("\r", "\n").splitlines() if line.strip()]


def test_the_label_appears_once_per_line():
    stream = io.StringIO()
    with progress(4, "training", force=True, stream=stream, mininterval=0) as bar:
        for step in range(5):
            bar.update_to(step, f"training: step {step}/4, dim 3")
    lines = _lines(stream)
    assert len(lines) >= 5
    assert all(line.count("training") == 1 and line.startswith("training:") for line in lines)
    assert "step 4/4, dim 3" in lines[-1]
    # another run's name, or a status merely starting with the same letters, is kept
    other = io.StringIO()
    with progress(2, "noise", force=True, stream=other, mininterval=0) as bar:
        bar.update_to(1, "label noise 0.5: step 1/2")
        bar.update_to(2, "noisevariant: step 2/2")
    text = other.getvalue()
    assert "label noise 0.5: step 1/2" in text and "noisevariant: step 2/2" in text


def test_a_training_run_draws_its_name_once():
    """Through train_and_record, as the experiment "training" calls it."""
    rng = np.random.default_rng(0)
    X = np.linspace(0, 1, 6)[:, None]
    layers = descent.init_network([1, 3, 1], rng, scale=0.5)
    stream = io.StringIO()
    with progress(8, "training", force=True, stream=stream, mininterval=0) as bar:
        train_and_record("training", layers, Samples.from_floats(train=X), X * 2,
                         descent.Schedule(8, 0.01), [0, 4, 8], rng, progress=bar)
    lines = _lines(stream)
    assert any("step 8/8" in line for line in lines)
    assert all(line.count("training") == 1 for line in lines), lines
