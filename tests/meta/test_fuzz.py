"""Bounded fuzzing in every test run: random, mutated and generated .sgv text must end in a
result or a clean error (see tests/support/fuzzing.py; fuzz/fuzz_sgv.py runs the same for longer)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.support.fuzzing import (data_survives, generated, mutated, mutated_json, survives,
                                   token_soup)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@FAST
@given(text=token_soup)
def test_token_soup(text: str) -> None:
    survives(text)


@FAST
@given(text=mutated())
def test_mutated_specs(text: str) -> None:
    survives(text)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=generated())
def test_generated_specs_load_and_check(text: str) -> None:
    code, out = survives(text)
    # Generated specs are valid: they never end with an input error (exit 2 comes only from
    # an empty flow set, which random flow sets can produce).
    assert code != 2 or "E124" in out, out[-2000:]


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=mutated_json())
def test_mutated_cloud_exports(case: tuple[str, str]) -> None:
    data_survives(*case)
