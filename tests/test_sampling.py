"""Sample-size planning (survey.stats.sampling) and the `survey sample-size` command."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from survey.cli import main
from survey.definitions.cells import population_table
from survey.definitions.vocab import DESIGN_CI_METHODS, SRS_CI_METHODS
from survey.errors import DataError, SurveyError
from survey.stats.sampling import (
    ALLOCATIONS,
    SamplingError,
    allocate,
    clipped_quota,
    largest_remainder,
    sample_size,
    threshold_sample_size,
)

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


@pytest.mark.parametrize("rse, individuals, households, issue", [
    (0.12, 544, 587, 588), (0.11, 648, 699, 699), (0.10, 784, 846, 846), (0.05, 3136, 3382, 3382)])
def test_deff_and_valid_rate_match_the_dhs_manual(rse, individuals, households, issue):
    # DHS Sampling and Household Listing Manual (ICF International, Calverton MD, 2012),
    # §1.6.2, sample-size table (transcribed in the DHS Program user forum,
    # userforum.dhsprogram.com, thread 5155, 2016): p = 0.20, deft = 1.40, individual response rate 0.96,
    # household response rate 0.92, 1.05 target persons per household;
    # n = deft² (1/p − 1) / RSE² — the standard-error form (z = 1) with margin e = RSE·p —
    # and households = n / (0.96 × 0.92 × 1.05), rounded up. The manual rounds n to the nearest
    # unit first and divides the rounded n (544 / 0.92736 = 586.6 → 587); we carry it unrounded
    # (544.44 / 0.92736 = 587.09 → 588), so the issue count may be one more.
    import math

    z1 = math.erf(1 / math.sqrt(2))  # the confidence whose two-sided z is 1
    s = sample_size(rse * 0.2, p=0.2, confidence=z1, deff=1.4**2, valid_rate=0.96 * 0.92 * 1.05)
    assert round(s.n_deff) == individuals
    assert s.n_issue == issue and issue - households in (0, 1)


def test_deff_then_fpc_by_hand():
    # Design effect first, then the finite population correction (so n ≤ N). Computed in R 4.2:
    #   z <- qnorm(0.975); n0 <- z^2*0.25/0.05^2; n1 <- n0*1.5; n <- n1/(1+(n1-1)/3800); n/0.9
    #   -> 384.1458821 576.2188231 500.4621749 556.0690832   (→ 501 responses, 557 to issue)
    s = sample_size(0.05, population=3800, deff=1.5, valid_rate=0.9)
    assert (s.n0, s.n_deff, s.n_fpc) == pytest.approx((384.1458821, 576.2188231, 500.4621749), rel=1e-9)
    assert (s.n, s.n_issue) == (501, 557)


def test_issue_capped_at_population_with_a_note():
    s = sample_size(0.05, population=60, valid_rate=0.5)
    assert s.n <= 60 and s.n_issue == 60 and "census" in s.notes[0]


@pytest.mark.parametrize("kwargs", [dict(margin=0), dict(margin=1.5), dict(p=1.0), dict(confidence=1),
                                    dict(deff=0), dict(valid_rate=0), dict(population=0),
                                    dict(deff=1e308), dict(confidence=0.9999999999999999),
                                    dict(deff=1e308, population=3800)])
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


@pytest.mark.parametrize("method", DESIGN_CI_METHODS)
def test_threshold_mode_takes_binomial_intervals_only(method):
    with pytest.raises(SamplingError, match="one of " + ", ".join(SRS_CI_METHODS)):
        threshold_sample_size(0.95, 0.85, method=method)


def test_threshold_mode_notes_the_census_cap():
    t = threshold_sample_size(0.95, 0.85, population=60, valid_rate=0.5)
    assert t.n_issue == 60 and "census" in t.notes[0]
    assert threshold_sample_size(0.95, 0.85, population=600, valid_rate=0.5).notes == ()


def test_threshold_impossible_when_rate_not_above_threshold():
    with pytest.raises(SamplingError, match="above the threshold"):
        threshold_sample_size(0.85, 0.85)


def _statsmodels_bound(n, p, method, N=None):
    """The lower bound straight from statsmodels (count p·n), narrowed around p by √((N − n)/(N − 1))."""
    lo = proportion_confint(p * n, n, alpha=0.05, method=method)[0]
    return lo if N is None else p - (p - lo) * np.sqrt((N - n) / (N - 1))


@settings(max_examples=40, deadline=None)
@given(p=st.floats(0.55, 0.99), gap=st.floats(0.02, 0.4), method=st.sampled_from(["wilson", "beta", "jeffreys",
                                                                                   "agresti_coull"]),
       N=st.one_of(st.none(), st.integers(50, 20000)))
def test_threshold_n_is_minimal(p, gap, method, N):
    threshold = p - gap
    if threshold <= 0.01:
        return
    t = threshold_sample_size(p, threshold, method=method, population=N)
    assert _statsmodels_bound(t.n, p, method, N) >= threshold - 1e-12
    assert t.ci_low == pytest.approx(_statsmodels_bound(t.n, p, method, N), rel=1e-12)
    if t.n > 1:
        assert _statsmodels_bound(t.n - 1, p, method, N) < threshold


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


def test_neyman_with_cap_and_minimum_shares_the_rest_by_n_times_s():
    # The review's case: N = (171, 111, 7, 153), S = (.005, .643, .159, .027), min 21, n = 249.
    # N·S = (0.855, 71.373, 1.113, 4.131): B is capped at 111 and C (7 < 21) is taken whole;
    # the 131 left go to A and D in proportion 0.855 : 4.131 → 22.46 and 108.54, both above 21.
    frame = pd.Series([171, 111, 7, 153], index=list("ABCD"))
    a = allocate(249, frame, method="neyman", sd=pd.Series([.005, .643, .159, .027], index=list("ABCD")),
                 min_per_stratum=21)
    assert a["quota"].tolist() == pytest.approx([131 * 0.855 / 4.986, 111, 7, 131 * 4.131 / 4.986])
    assert a["n"].tolist() == [22, 111, 7, 109]


def test_a_district_released_from_its_minimum():
    # w = (1, 1, 10), N = (100, 100, 100), min 30, n = 150: λ with 30 + 30 + min(10λ, 100) = 150
    # is 9 (C capped at 90 — below N); A and B stay at their minimum (λ·1 = 9 < 30).
    assert clipped_quota(150, [1, 1, 10], [30, 30, 30], [100, 100, 100]).tolist() == pytest.approx([30, 30, 90])
    # n = 250: C at its cap 100, A and B share 150 equally: 75 each (released from the minimum).
    assert clipped_quota(250, [1, 1, 10], [30, 30, 30], [100, 100, 100]).tolist() == pytest.approx([75, 75, 100])


@settings(max_examples=100, deadline=None)
@given(pops=st.lists(st.integers(1, 400), min_size=2, max_size=10), sds=st.data(), frac=st.floats(0.05, 1),
       minimum=st.integers(0, 30))
def test_free_districts_get_the_same_quota_per_unit_of_n_times_s(pops, sds, frac, minimum):
    N = np.array(pops, dtype=float)
    S = np.array(sds.draw(st.lists(st.floats(0.01, 0.5), min_size=len(N), max_size=len(N))))
    n = round(frac * N.sum())
    mins = np.minimum(minimum, N)
    if mins.sum() > n:
        return
    idx = [f"d{i}" for i in range(len(N))]
    a = allocate(n, pd.Series(N.astype(int), index=idx), method="neyman", sd=pd.Series(S, index=idx),
                 min_per_stratum=minimum)
    q, w = a["quota"].to_numpy(), N * S
    assert q.sum() == pytest.approx(n)
    assert ((q >= mins - 1e-9) & (q <= N + 1e-9)).all()
    free = (q > mins + 1e-6) & (q < N - 1e-6)
    if free.sum() >= 2:
        ratio = q[free] / w[free]
        assert ratio == pytest.approx(np.full(free.sum(), ratio[0]), rel=1e-9)
        # no clamped district could take more: one at its minimum has λ·w_h ≤ min_h, one at N_h has λ·w_h ≥ N_h
        lam = ratio[0]
        fixed = mins >= N  # a district smaller than the minimum is taken whole whatever λ is
        low, high = (q <= mins + 1e-6) & ~free & ~fixed, (q >= N - 1e-6) & ~free & ~fixed
        assert (lam * w[low] <= mins[low] + 1e-6).all() and (lam * w[high] >= N[high] - 1e-6).all()


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
    n = round(frac * N.sum())
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


def test_cli_prints_the_formula_it_used():
    res = run("--population", 3800, "--margin", 0.05, "--deff", 1.5)
    assert res.exit_code == 0, res.output
    assert "n1 = n0 × deff = 384.15 × 1.5 = 576.22" in res.output
    assert "n = n1/(1 + (n1 − 1)/N) = 500.46" in res.output and "n0/(1" not in res.output
    assert "n = n0/(1 + (n0 − 1)/N) = 348.96" in run("--population", 3800).output


@pytest.mark.parametrize("args, message", [
    (("--threshold", 0.85, "--ci-method", "korn_graubard"), "'korn_graubard' is not one of"),
    (("--threshold", 0.85, "--ci-method", "logit"), "'logit' is not one of"),
    (("--deff", 1e308), "not a finite number"),
    (("--confidence", 0.9999999999999999), "too close to 1"),
])
def test_cli_bad_values_are_one_line_errors(args, message):
    res = run(*args)
    assert res.exit_code != 0 and "Traceback" not in res.output and "unexpected error" not in res.output
    assert message in res.output


def test_cli_threshold_notes_the_census_cap():
    res = run("--threshold", 0.85, "--p", 0.95, "--population", 60, "--valid-rate", 0.5)
    assert res.exit_code == 0, res.output
    assert "census" in res.output and "to issue at a valid rate of 50%: 60" in res.output


def test_cli_neyman_asks_for_the_p_column():
    res = run("--frame", RAW_2021, "--population-column", "在册社区矫正对象数", "--allocation", "neyman")
    assert res.exit_code != 0 and "--p-column" in res.output and "sd=" not in res.output


def test_cli_frame_with_a_total_row_and_located_errors(tmp_path):
    frame = tmp_path / "frame.csv"
    frame.write_text("区,人数,满意率\n玄武区,\"1,520\",0.9\n秦淮区,480,0.5\n合计,\"2,000\",\n", encoding="utf-8")
    res = run("--frame", frame, "--population-column", "人数", "--margin", 0.1, "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["population"] == 2000  # the 合计 row is not a district: N is not doubled
    assert [r["stratum"] for r in out["allocation"]] == ["玄武区", "秦淮区"]
    res = run("--frame", frame, "--population-column", "人数", "--allocation", "neyman", "--p-column", "满意率",
              "--format", "json")
    assert res.exit_code == 0, res.output
    ney = {r["stratum"]: r["weight"] for r in json.loads(res.output)["allocation"]}
    assert ney["玄武区"] == pytest.approx(1520 * 0.3 / (1520 * 0.3 + 480 * 0.5))  # √(.9 × .1) = .3, √(.5 × .5) = .5
    frame.write_text("区,人数\n玄武区,1520\n秦淮区,\n", encoding="utf-8")
    res = run("--frame", frame)
    assert res.exit_code != 0 and "row 3" in res.output and "'人数'" in res.output and "frame.csv" in res.output


def test_population_table_skips_totals_and_locates_errors(write_xlsx):
    from survey.inputs.read import Workbook

    path = write_xlsx({"抽样框": [["区", "工作人员数", "在册社区矫正对象数"], ["玄武区", "1,038", 152],
                                  ["秦淮区", 45, 236], ["全市合计", "1,083", 388]]})
    raw = Workbook(path).table("抽样框")
    pop = population_table(raw.data, "区", "工作人员数", file=raw.file, sheet=raw.sheet)
    assert pop.to_dict() == {"玄武区": 1038.0, "秦淮区": 45.0}
    assert pop.attrs["rows"] == {"玄武区": 2, "秦淮区": 3} and pop.attrs["sheet"] == "抽样框"
    with pytest.raises(DataError, match="which frame column holds the population counts"):
        population_table(raw.data, "区")  # two count columns: no silent choice
    blank = Workbook(write_xlsx({"抽样框": [["区", "人数", "备用"], ["玄武区", None, 5], ["秦淮区", 45, 6]]},
                                "b.xlsx")).table("抽样框")
    with pytest.raises(DataError, match="not a non-negative number") as e:
        population_table(blank.data, "区", "人数", file=blank.file, sheet=blank.sheet)
    assert (e.value.sheet, e.value.row, e.value.column) == ("抽样框", 2, "人数") and e.value.file.endswith("b.xlsx")
    dup = pd.DataFrame({"区": ["A", "B", "A"], "人数": [1, 2, 3]})
    with pytest.raises(DataError, match="listed twice") as e:
        population_table(dup, "区", "人数")
    assert e.value.row == 4


def test_cli_errors_are_one_line():
    res = run("--threshold", 0.85, "--p", 0.8)
    assert res.exit_code != 0 and "Traceback" not in res.output
    assert res.output.startswith("Error: ") and "above the threshold" in res.output
    res = run("--frame", RAW_2021)  # two count columns: which one?
    assert res.exit_code != 0 and "--population-column" in res.output


def test_cli_allocation_choices_match_the_library():
    opt = next(o for o in main.commands["sample-size"].params if o.name == "allocation")
    assert tuple(opt.type.choices) == ALLOCATIONS
