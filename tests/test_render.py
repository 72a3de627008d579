"""JSON text: every number reads back bit-identical, in single-point JSON and in --points columns."""
from __future__ import annotations

import json
import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gradcli.io.render import dumps, float_texts, to_json

FINITE = st.floats(allow_nan=False, allow_infinity=False)


@given(arrays(np.float64, st.integers(0, 20), elements=FINITE))
def test_float_texts_read_back_exactly_and_match_dumps(values):
    texts = float_texts(values)
    assert [float(t) for t in texts] == values.tolist()
    assert "[" + ",".join(texts) + "]" == dumps(values.tolist())


@given(arrays(np.float32, st.integers(1, 10), elements=st.floats(width=32, allow_nan=False,
                                                                  allow_infinity=False)))
def test_float32_values_are_written_widened_as_in_single_point_json(values):
    assert float_texts(values) == [dumps(v) for v in values.astype(np.float64).tolist()]


def test_non_finite_numbers_become_strings_and_the_document_stays_strict():
    doc = {"outputs": {"y": np.array([1.0, math.nan, math.inf, -math.inf, -0.0, 1e-5])}}
    text, nonfinite = to_json(doc)
    assert nonfinite
    assert json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c))) == {
        "outputs": {"y": [1.0, "NaN", "Infinity", "-Infinity", -0.0, 1e-5]}}
    assert text == '{"outputs":{"y":[1.0,"NaN","Infinity","-Infinity",-0.0,0.00001]}}'
