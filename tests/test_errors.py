from __future__ import annotations

import pickle

import incidentkit as ik


def test_is_a_value_error_listing_every_problem():
    exc = ik.ValidationError(["a: bad (1)", "b: worse (2)"])
    assert isinstance(exc, ValueError)
    assert exc.errors == ["a: bad (1)", "b: worse (2)"]
    assert "2 problems" in str(exc)
    assert "a: bad (1)" in str(exc)
    assert "b: worse (2)" in str(exc)


def test_source_prefixes_each_error():
    exc = ik.ValidationError(["a: bad"], source="x.jsonl:3")
    assert exc.errors == ["x.jsonl:3: a: bad"]


def test_long_lists_are_shortened_in_the_message_only():
    exc = ik.ValidationError([f"p{i}: bad" for i in range(50)])
    assert len(exc.errors) == 50
    assert "and 30 more" in str(exc)


def test_pickles_intact():
    exc = ik.ValidationError(["a: bad"])
    again = pickle.loads(pickle.dumps(exc))
    assert again.errors == exc.errors


def test_pickles_with_its_source():
    exc = ik.ValidationError(["a: bad"], source="x.jsonl:3")
    again = pickle.loads(pickle.dumps(exc))
    assert again.source == "x.jsonl:3"
    assert again.errors == ["x.jsonl:3: a: bad"]
    assert str(again) == str(exc)
