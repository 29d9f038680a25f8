"""Progress bars on stderr (relugeom.progress): silent on a log unless forced, one bar shared
by several runs."""

import io

from relugeom.progress import progress


def test_progress_bar_on_a_log(tmp_path):
    log = io.StringIO()  # not a terminal: the bar is silent unless forced
    with progress(100, "demo", stream=log) as bar:
        for step in range(0, 101, 5):
            bar.update_to(step, f"step {step}")
    assert log.getvalue() == ""
    stream = io.StringIO()
    with progress(100, "demo", force=True, stream=stream, mininterval=0) as bar:
        for run in range(2):  # two runs sharing one bar, each counting from its offset
            for step in range(0, 51, 5):
                bar.update_to(50 * run + step, f"run {run} step {step}")
    lines = [line for line in stream.getvalue().replace("\r", "\n").splitlines() if line]
    assert len(lines) >= 11 and all(line.startswith("demo:") for line in lines)
    assert "100%" in lines[-1] and "100/100" in lines[-1] and "run 1 step 50" in lines[-1]
    assert any(" 50%" in line and "50/100" in line for line in lines)
    silent = io.StringIO()
    with progress(10, "off", enabled=False, force=True, stream=silent) as bar:
        bar.update_to(10, "done")
    assert silent.getvalue() == ""
