"""Sample-size planning (survey.sampling) and the `survey sample-size` command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.cli import main
from survey.errors import SurveyError
from survey.sampling import (ALLOCATIONS, SamplingError, allocate, largest_remainder, lower_bound, sample_size,
                             threshold_sample_size)

from .conftest import RAW_2021


def test_cochran_infinite_population():
    # Cochran (1977), Sampling Techniques, 3rd ed., eq. 4.2 with z = 1.96, p = q = 0.5,
    # d = 0.05: n0 = 1.96² × 0.25 / 0.0025 = 384.16 → 385 (the textbook value; with the
    # exact quantile 1.959964 n0 = 384.146, still 385 after rounding up).
    s = sample_size(0.05)
    assert s.n0 == pytest.approx(384.16, abs=0.02)
    assert s.n == 385 and s.n_issue == 385


@pytest.mark.parametrize("N, published", [
    (100, 80), (500, 217), (1000, 278), (2000, 322), (3000, 341), (3500, 346), (4000, 351),
    (5000, 357), (10000, 370),
])
def test_finite_population_matches_krejcie_morgan(N, published):
    # Krejcie & Morgan (1970), "Determining sample size for research activities",
    # Educ. Psychol. Meas. 30:607–610, Table 1: s = χ²NP(1−P) / (d²(N−1) + χ²P(1−P)),
    # χ² = 3.841, P = 0.5, d = 0.05 — algebraically n0/(1 + (n0 − 1)/N). Their table rounds
    # to the nearest unit; we carry the unrounded value and round up, so compare unrounded.
    s = sample_size(0.05, population=N)
    assert round(s.n_fpc) == published
    assert s.n == int(np.ceil(s.n_fpc - 1e-9))


def test_issue_example_3800():
    # The issue's acceptance example: N = 3800, e = 0.05, p = 0.5, 95% → 349
    # (384.146 / (1 + 383.146/3800) = 348.96).
    s = sample_size(0.05, population=3800)
    assert s.n_fpc == pytest.approx(348.96, abs=0.01)
    assert s.n == 349


def test_deff_and_valid_rate_inflate():
    base = sample_size(0.05, population=3800)
    s = sample_size(0.05, population=3800, deff=1.5, valid_rate=0.9)
    assert s.n_deff == pytest.approx(base.n0 * 1.5)
    assert s.n_fpc == pytest.approx(s.n_deff / (1 + (s.n_deff - 1) / 3800))
    assert s.n_issue == int(np.ceil(s.n_fpc / 0.9))
    assert s.n > base.n and s.n_issue > s.n


def test_issue_capped_at_population_with_a_note():
    s = sample_size(0.05, population=60, valid_rate=0.5)
    assert s.n <= 60 and s.n_issue == 60 and "census" in s.notes[0]


@pytest.mark.parametrize("kwargs", [dict(margin=0), dict(margin=1.5), dict(p=1.0), dict(confidence=1),
                                    dict(deff=0), dict(valid_rate=0), dict(population=0)])
def test_bad_parameters_are_survey_errors(kwargs):
    args = dict(margin=0.05) | kwargs
    with pytest.raises(SurveyError):
        sample_size(**args)


def test_threshold_mode_offender_interviews():
    # How many offender interviews keep the 95% Wilson lower bound at or above the 85%
    # scoring threshold when the expected rate is 95%? Brute force: n is the first n with
    # bound ≥ 0.85 and n − 1 falls short.
    t = threshold_sample_size(0.95, 0.85)
    assert t.ci_low >= 0.85 > t.ci_low_previous
    assert t.n == 49


def test_threshold_mode_other_methods_and_fpc():
    cp = threshold_sample_size(0.95, 0.85, method="beta")
    assert cp.n >= threshold_sample_size(0.95, 0.85).n  # Clopper–Pearson is wider than Wilson
    small = threshold_sample_size(0.95, 0.85, population=60)
    assert small.n <= 49 and small.population == 60


def test_threshold_impossible_when_rate_not_above_threshold():
    with pytest.raises(SamplingError, match="above the threshold"):
        threshold_sample_size(0.85, 0.85)


@settings(max_examples=40, deadline=None)
@given(p=st.floats(0.55, 0.99), gap=st.floats(0.02, 0.4), method=st.sampled_from(["wilson", "beta", "jeffreys",
                                                                                   "agresti_coull"]),
       N=st.one_of(st.none(), st.integers(50, 20000)))
def test_threshold_n_is_minimal(p, gap, method, N):
    threshold = p - gap
    if threshold <= 0.01:
        return
    t = threshold_sample_size(p, threshold, method=method, population=N)
    assert lower_bound(t.n, p, method=method, population=N) >= threshold - 1e-12
    if t.n > 1:
        assert lower_bound(t.n - 1, p, method=method, population=N) < threshold


FRAME = pd.DataFrame({"区": ["玄武区", "秦淮区", "建邺区", "江宁区"], "人数": [152, 236, 198, 702]})


def test_proportional_allocation_by_largest_remainder():
    # quotas 100 × (152, 236, 198, 702)/1288 = 11.80, 18.32, 15.37, 54.50: integer parts
    # 11 + 18 + 15 + 54 = 98, the two units left go to the largest remainders (.80, .50).
    a = allocate(100, FRAME)
    assert a["n"].tolist() == [12, 18, 15, 55]
    assert a["quota"].round(2).tolist() == [11.80, 18.32, 15.37, 54.50]


def test_minimum_per_district_is_held_and_the_rest_shared_again():
    # min 20: 玄武区 (11.8) and 建邺区 (15.4) are held at 20; 60 left for 236 : 702 →
    # 15.10 (< 20, held too) then 40 for 江宁区 alone.
    a = allocate(100, FRAME, min_per_stratum=20)
    assert a["n"].tolist() == [20, 20, 20, 40]


def test_equal_and_neyman():
    assert allocate(10, FRAME, method="equal")["n"].tolist() == [3, 3, 2, 2]  # 2.5 each; ties in frame order
    # Neyman with equal rates is proportional; a district with p = 0 or 1 gets only its minimum.
    assert allocate(100, FRAME, method="neyman", p=0.9)["n"].tolist() == allocate(100, FRAME)["n"].tolist()
    ney = allocate(100, FRAME, method="neyman", p=pd.Series([0.5, 0.5, 1.0, 0.5], index=FRAME["区"]),
                   min_per_stratum=3)
    assert ney.loc[2, "n"] == 3
    with pytest.raises(SamplingError, match="standard deviation or expected rate"):
        allocate(100, FRAME, method="neyman")


def test_allocation_errors():
    with pytest.raises(SamplingError, match="minimum per district"):
        allocate(10, FRAME, min_per_stratum=5)
    with pytest.raises(SamplingError, match="larger than the population"):
        allocate(5000, FRAME)
    with pytest.raises(SurveyError, match="one of proportional, equal, neyman"):
        allocate(10, FRAME, method="optimal")


@settings(max_examples=80, deadline=None)
@given(pops=st.lists(st.integers(0, 500), min_size=1, max_size=12), frac=st.floats(0, 1),
       minimum=st.integers(0, 30), method=st.sampled_from(ALLOCATIONS))
def test_allocation_invariants(pops, frac, minimum, method):
    N = np.array(pops)
    frame = pd.Series(N, index=[f"d{i}" for i in range(len(N))])
    n = int(round(frac * N.sum()))
    need = np.minimum(minimum, N).sum()
    if need > n or N.sum() == 0:
        return
    a = allocate(n, frame, method=method, min_per_stratum=minimum, p=0.7)
    assert a["n"].sum() == n
    assert (a["n"] >= np.minimum(minimum, N)).all()
    assert (a["n"] <= N).all()
    assert (abs(a["n"] - a["quota"]) < 1 + 1e-9).all()


def test_largest_remainder_adds_up():
    assert largest_remainder([1.5, 1.5, 1.0]).tolist() == [2, 1, 1]


def run(*args):
    return CliRunner().invoke(main, ["sample-size", *map(str, args)])


def test_cli_prints_349():
    res = run("--population", 3800, "--margin", 0.05)
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0] == "349 valid responses"


def test_cli_threshold_and_json():
    res = run("--threshold", 0.85, "--p", 0.95, "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["n"] == 49 and out["threshold"] == 0.85 and out["method"] == "wilson"


def test_cli_frame_allocation_adds_up():
    res = run("--frame", RAW_2021, "--population-column", "在册社区矫正对象数", "--min-per-district", 10,
              "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["population"] == 3806  # the frame's total
    assert sum(r["n"] for r in out["allocation"]) == out["n"]
    assert min(r["n"] for r in out["allocation"]) >= 10


def test_cli_errors_are_one_line():
    res = run("--threshold", 0.85, "--p", 0.8)
    assert res.exit_code != 0 and "Traceback" not in res.output
    assert res.output.startswith("Error: ") and "above the threshold" in res.output
    res = run("--frame", RAW_2021)  # two count columns: which one?
    assert res.exit_code != 0 and "--population-column" in res.output


def test_cli_allocation_choices_match_the_library():
    opt = next(o for o in main.commands["sample-size"].params if o.name == "allocation")
    assert tuple(opt.type.choices) == ALLOCATIONS
