"""Every command's outputs on the default city are what they were when the goldens were recorded.

The cases (``tests/golden/golden.py``) run each analysis command with small settings; their
summaries, GeoJSON, CSV, JSONL and arrays are compared value for value with
``tests/golden/outputs.json`` (floats to 9 significant digits, run timings and absolute paths
left out). A restructure must leave them equal. A change that is meant to alter outputs re-records
them (``tests/golden/README.md``) in a commit that says why.
"""

from __future__ import annotations

import json

import pytest

from tests.golden import golden


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return golden.run_all(tmp_path_factory.mktemp("golden"))


@pytest.mark.timeout(600)
@pytest.mark.parametrize("case", list(golden.CASES))
def test_outputs_equal_the_golden(outputs: dict, case: str) -> None:
    want = json.loads(golden.GOLDEN.read_text())
    assert case in want, f"no golden for {case}: record it (python tests/golden/record.py {case})"
    assert outputs[case], f"{case} wrote nothing comparable"
    diffs = golden.compare(outputs[case], want[case], case)
    assert not diffs, f"{len(diffs)} values differ from the golden:\n" + "\n".join(diffs[:40])


def test_the_comparison_sees_a_changed_value() -> None:
    want = {"a": {"json": {"x": 1.0, "rows": [[1, "b"]]}}}
    assert golden.compare({"a": {"json": {"x": 1.0, "rows": [[1, "b"]]}}}, want) == []
    assert golden.compare({"a": {"json": {"x": 1.0 + 1e-6, "rows": [[1, "b"]]}}}, want)
    assert golden.compare({"a": {"json": {"x": 1.0, "rows": [[2, "b"]]}}}, want)
    assert golden.compare({"a": {"json": {"x": 1.0}}}, want)
    assert golden.compare({"a": {"json": {"x": 1.0, "rows": [[1, "b"]], "y": 0}}}, want)
