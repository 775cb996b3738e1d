"""Commands for statisticians on any table: estimate, weight, sample-size."""

from __future__ import annotations

import click

from survey.cli.app import main
from survey.cli.options import (
    FRACTION,
    PATH,
    ci_method_option,
    district_option,
    echo_lines,
    interval_options,
    limit_options,
    output_options,
    print_table,
    sheet_option,
    table_format_option,
)
from survey.definitions.vocab import (
    ALLOCATIONS,
    CAL_DISTANCES,
    DEFF_SRS,
    LONELY_PSU,
    REPWEIGHT_TYPES,
    SRS_CI_METHODS,
    STATS,
    VARIANCE_METHODS,
    WEIGHTING_METHODS,
)


@main.command("estimate")
@click.argument("data", type=PATH)
@click.option("--var", required=True,
              help="Column to estimate (numbers: mean/total; 0/1: proportion; text: share of each value).")
@click.option("--by", default=None, help="Column of domains (e.g. 区); the full design is kept for the variance.")
@click.option("--weights", default=None, help="Column of weights.")
@click.option("--strata", default=None, help="Column of strata.")
@click.option("--cluster", default=None, help="Column of primary sampling units (clusters; see --cluster2).")
@click.option("--fpc", default=None, help="Column of population sizes per stratum (PSUs when clustered) or sampling fractions.")
@click.option("--cluster2", default=None, help="Column of second-stage units within --cluster (R: id=~psu+ssu).")
@click.option("--fpc2", default=None, help="Column of second-stage population sizes (SSUs in the PSU) or fractions "
                                           "(R: fpc=~fpc1+fpc2; stage-wise without-replacement variance).")
@click.option("--lonely-psu", type=click.Choice(LONELY_PSU), default="fail", show_default=True,
              help="What to do with a stratum of one PSU.")
@click.option("--calibrated-on", "calibration", multiple=True,
              help="Column(s) the weights were post-stratified/raked/calibrated to: the SE then uses GREG "
                   "residuals, as R does for such designs (repeat the option for several).")
@click.option("--calibrated-numeric", "calibration_numeric", multiple=True,
              help="Numeric column(s) the weights were calibrated to (GREG on totals, e.g. last year's enrolment).")
@click.option("--calibrated-by-cluster", "calibration_aggregate", is_flag=True,
              help="The calibration gave one factor per --cluster (R aggregate.stage=1): residuals on cluster means.")
@click.option("--base-weights", default=None, help="With --calibrated-on: the weights before calibration. [default: 1]")
@click.option("--stat", type=click.Choice(STATS), default="mean", show_default=True,
              help="mean (a proportion for a 0/1 column; R svymean), total (svytotal), ratio of --var to "
                   "--denominator (svyratio), quantile (svyquantile, qrule=math).")
@click.option("--denominator", default=None, help="--stat ratio: the denominator column.")
@click.option("--quantile", "quantile", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.5,
              show_default=True, help="--stat quantile: which quantile (0.5 = median).")
@interval_options
@click.option("--df", "df", default=None,
              help="Intervals of means/totals/ratios: 'design' = t on the design's df (R confint(df=degf(d))), "
                   "a number, or normal [default]; quantiles default to 'design' as svyquantile.")
@click.option("--no-clip", is_flag=True, help="Keep Wald/Agresti-Coull bounds outside [0, 1] (as R's binom).")
@click.option("--deff-srs", "deff", type=click.Choice(DEFF_SRS), default="without", show_default=True,
              help="deff against SRS without replacement from the estimated N (R deff=TRUE) or with (deff='replace').")
@click.option("--variance", type=click.Choice(VARIANCE_METHODS), default="taylor",
              show_default=True, help="Taylor linearisation, or replicate weights (numeric columns; re-calibrated "
                                      "per replicate with --calibrated-on).")
@click.option("--replicates", type=click.IntRange(min=10), default=500, show_default=True,
              help="Bootstrap replicates.")
@click.option("--seed", type=int, default=20211215, show_default=True, help="Bootstrap seed.")
@click.option("--mse", is_flag=True, help="Replicates: deviations from the full-sample estimate (R mse=TRUE).")
@click.option("--repweights", multiple=True,
              help="Ready-made replicate-weight columns (repeat the option), or one regular expression such as "
                   "'b[0-9]+' (R svrepdesign(repweights=, combined.weights=TRUE)); --weights are the full-sample "
                   "weights. Needs --rep-type or --rep-scale.")
@click.option("--rep-type", type=click.Choice(REPWEIGHT_TYPES), default=None,
              help="Kind of the --repweights, which sets their scale as R svrepdesign(type=): bootstrap 1/(R-1), "
                   "JK1 (R-1)/R, BRR 1/R, successive-difference and ACS 4/R.")
@click.option("--rep-scale", type=float, default=None,
              help="Scale c of the --repweights variance c·Σ(θ_r − θ̄)² (R svrepdesign(scale=)); overrides --rep-type.")
@sheet_option()
@table_format_option()
@limit_options
def estimate_cmd(data, var, by, weights, strata, cluster, fpc, cluster2, fpc2, lonely_psu, calibration,
                 calibration_numeric, calibration_aggregate, base_weights, stat,
                 denominator, quantile, ci_method, alpha, df, no_clip, deff, variance, replicates, seed, mse,
                 repweights, rep_type, rep_scale, sheet, fmt):
    """Design-based mean, proportion, total, ratio or quantile of a column of any CSV/xlsx.

    Taylor-linearisation standard errors with strata, one- or two-stage clusters,
    finite population corrections and calibration, or replicate weights (jackknife,
    bootstrap), as R's svymean/svytotal/svyratio/svyquantile/svyby. Each row
    says its interval method, df (ci_df) and whether a bound was clipped or replaced
    (ci_note). For example, R's
    svymean(~api00, svydesign(id=~1, strata=~stype, weights=~pw, fpc=~fpc, data=apistrat)):

        survey estimate apistrat.csv --var api00 --weights pw --strata stype --fpc fpc
    """
    from survey.errors import SurveyError
    from survey.inputs.read import read_table
    from survey.stats.design import Design
    from survey.stats.estimate import estimate_column
    from survey.stats.replicate import replicate_estimate

    raw = read_table(data, sheet)
    design = Design(weights=weights, strata=strata, cluster=cluster, fpc=fpc, lonely_psu=lonely_psu,
                    calibration=tuple(calibration), calibration_base=base_weights, cluster2=cluster2, fpc2=fpc2,
                    calibration_numeric=tuple(calibration_numeric), calibration_aggregate=calibration_aggregate)
    try:
        rep = given_replicates(raw.data, design, repweights, rep_type, rep_scale, mse) if repweights else None
        if variance == "taylor" and rep is None:
            table = estimate_column(raw.data, var, design=design, by=by, stat=stat, alpha=alpha,
                                    ci_method=ci_method, file=str(data), sheet=raw.sheet, denominator=denominator,
                                    quantile=quantile, df=df, clip=not no_clip, deff=deff)
        else:
            table = replicate_estimate(raw.data, var, design=design, by=by, stat=stat, method=variance,
                                       replicates=replicates, seed=seed, alpha=alpha, ci_method=ci_method, df=df,
                                       mse=mse, quantile=quantile, denominator=denominator, rep=rep)
    except SurveyError as exc:  # name the data file when the method could not
        if exc.file is None:
            exc.file, exc.sheet = str(data), raw.sheet
        raise
    print_table(table.drop(columns=["questionnaire"]).rename(columns={"label": "stat"}), fmt)


def given_replicates(data, design, repweights, rep_type, rep_scale, mse):
    """The replicate design of ready-made replicate weights (``--repweights``), its scale from the options."""
    from survey.errors import EstimationError
    from survey.stats.replicate import replicate_design, repweight_columns, repweight_scale

    cols = repweight_columns(data.columns, repweights)
    if rep_scale is None and rep_type is None:
        raise EstimationError("ready-made replicate weights need their scale",
                              hint="add --rep-type (bootstrap, JK1, BRR, …) or --rep-scale (R svrepdesign scale=)")
    scale = rep_scale if rep_scale is not None else repweight_scale(rep_type, len(cols))
    return replicate_design(data, design, repweights=cols, scale=scale, mse=mse)


@main.command("weight")
@click.argument("data", type=PATH)
@click.option("--targets", type=PATH, required=True,
              help="CSV/xlsx of population counts: for rake/calibrate the columns 变量/variable, 类别/level, "
                   "人数/count; for poststratify/design the --by columns and one count column.")
@click.option("--method", type=click.Choice(WEIGHTING_METHODS), default="rake", show_default=True,
              help="Weighting method (survey.stats.weights.WEIGHTING).")
@click.option("--by", "by", multiple=True, help="Weighting variable(s). [default: every variable of the targets]")
@click.option("--base", default=None, help="Column of base (design) weights. [default: 1 for everyone]")
@click.option("--bounds", type=(float, float), default=None, help="calibrate: lower and upper bound of final/base weight.")
@click.option("--distance", type=click.Choice(CAL_DISTANCES), default="linear", show_default=True,
              help="calibrate: distance — linear (GREG), raking (ratio), logit (needs --bounds); "
                   "R calibrate(calfun=).")
@click.option("--total", "totals", multiple=True, metavar="COL=VALUE",
              help="calibrate: population total of a numeric column (e.g. --total api99=3914069), "
                   "besides the TARGETS margins; repeat for several (R calibrate(~x + ..., population=)).")
@click.option("--per-cluster", "cal_cluster", default=None,
              help="calibrate with --distance/--total: one factor per cluster of this column (R aggregate.stage=1).")
@click.option("--trim-upper", type=click.FloatRange(1, min_open=True), default=None,
              help="Then trim weights above this multiple of the mean weight, keeping the total.")
@click.option("--tol", type=click.FloatRange(0, min_open=True), default=1e-8, show_default=True,
              help="Raking/calibration: largest relative margin error accepted.")
@click.option("--max-iter", type=click.IntRange(min=1), default=100, show_default=True,
              help="Raking/calibration: most iterations before giving up (reported as not converged).")
@sheet_option()
@click.option("--targets-sheet", default=None, help="Sheet of an xlsx TARGETS file. [default: the first]")
@click.option("--count", "count", default=None, help="Count column of TARGETS when it has several (e.g. 在册社区矫正对象数).")
@output_options("<data>-weighted.csv", "Where to write DATA with a weight column (.csv or .xlsx).")
@limit_options
def weight_cmd(data, targets, method, by, base, bounds, distance, totals, cal_cluster, trim_upper, tol, max_iter, sheet,
               targets_sheet, count, out):
    """Compute weights from population targets and export them with diagnostics.

    Prints the Kish design effect, effective n, CV, min/max, convergence and the
    achieved against the target margins; writes DATA with a ``weight`` column.
    """
    from survey.errors import WeightingError
    from survey.inputs.read import read_table
    from survey.render.bigxlsx import table_xlsx_bytes
    from survey.render.files import atomic_write
    from survey.stats.weights import trim, weigh_to_table

    raw = read_table(data, sheet)
    t = read_table(targets, targets_sheet)
    try:
        if method == "calibrate" and (distance != "linear" or totals or cal_cluster):
            from survey.stats.calibration import calibrate_totals, numeric_totals
            from survey.stats.weights import targets_from_table

            pop = targets_from_table(t.data, list(by) or None, wide=False, file=str(targets), count=count)
            res = calibrate_totals(raw.data, {**pop, **numeric_totals(totals)}, base=base, distance=distance,
                                   bounds=bounds, tol=tol, max_iter=max_iter, cluster=cal_cluster)
        else:
            res = weigh_to_table(raw.data, t.data, method, by=list(by) or None, base=base, bounds=bounds, tol=tol,
                                 max_iter=max_iter, targets_file=str(targets), count=count)
    except WeightingError as exc:  # name the data file when the method could not
        exc.file = exc.file or f"{data}" + (f" [{raw.sheet}]" if raw.sheet else "")
        raise
    if trim_upper:  # keeps the raking diagnostics and re-checks the margins on the trimmed weights
        res = trim(res.weights, upper=trim_upper, after=res, data=raw.data, tol=tol)
    d = res.diagnostics
    table = raw.data.assign(weight=res.weights.to_numpy())
    out = out or data.with_name(f"{data.stem}-weighted.csv")
    if out.suffix.lower() == ".xlsx":  # written before anything is printed: a refusal is the one line
        atomic_write(out, table_xlsx_bytes({"weights": table.reset_index()}))
    else:
        from survey.render.files import csv_bytes  # formula-looking text defused (OWASP)
        atomic_write(out, csv_bytes(table.reset_index()))
    click.echo(f"{d.method}: n={d.n}, Σw={d.total:.6g}, min={d.min:.4g}, max={d.max:.4g}, CV={d.cv:.4f}, "
               f"Kish deff={d.deff_kish:.4f}, n_eff={d.n_eff:.1f}"
               + (f", {d.iterations} iterations, converged={d.converged}" if d.iterations else ""))
    if d.margins is not None:
        click.echo(d.margins.to_string(index=False, float_format=lambda x: f"{x:.6g}"))
    if d.note:
        click.echo(f"warning: {d.note}", err=True)
    if not d.converged:
        click.echo(f"warning: not converged — largest relative margin error {d.history[-1]:.3g} > {tol:g}", err=True)
    click.echo(f"written: {out}")




@main.command("sample-size")
@click.option("-N", "--population", type=click.IntRange(min=1), default=None,
              help="Population size (finite population correction). [default: the frame's total, else infinite]")
@click.option("--margin", type=FRACTION, default=0.05, show_default=True, help="Margin of error (half-width).")
@click.option("--p", "p", type=FRACTION, default=None, help="Expected proportion. [default: 0.5; 0.95 with --threshold]")
@click.option("--confidence", type=FRACTION, default=0.95, show_default=True, help="Confidence level.")
@click.option("--deff", type=click.FloatRange(0, min_open=True), default=1.0, show_default=True, help="Design effect.")
@click.option("--valid-rate", type=click.FloatRange(0, 1, min_open=True), default=1.0, show_default=True,
              help="Expected share of valid questionnaires; inflates the number to issue.")
@click.option("--threshold", type=FRACTION, default=None,
              help="Threshold mode: smallest n whose interval's lower bound stays at or above this rate (e.g. 0.85).")
@ci_method_option(SRS_CI_METHODS)  # a plan has no design: binomial intervals only
@click.option("--frame", type=PATH, default=None,
              help="Sampling frame (csv or xlsx): districts and population counts.")
@sheet_option("抽样框 if present, else the first")
@click.option("--district-column", default=None, help="Frame column with the districts. [default: the first]")
@click.option("--population-column", default=None, help="Frame column with the counts. [default: the only numeric one]")
@click.option("--allocation", type=click.Choice(ALLOCATIONS), default="proportional",
              show_default=True, help="How n is shared among the frame's districts.")
@click.option("--p-column", default=None, help="Frame column with each district's expected rate (Neyman).")
@district_option("sample-size")
@table_format_option(csv=False)
@limit_options
def sample_size_cmd(population, margin, p, confidence, deff, valid_rate, threshold, ci_method, frame, sheet,
                    district_column, population_column, allocation, p_column, min_per_district, fmt):
    """How many responses to collect (Cochran, finite population, design effect, valid rate).

    With --threshold: how many, so that the interval's lower bound stays at or above
    the scoring threshold when the expected rate is --p. With --frame: the
    allocation of n to districts (largest-remainder rounding, sums to n).
    """
    import json

    from survey.render.console import sample_size_lines
    from survey.stats import sampling as S

    if allocation == "neyman" and frame and not p_column:
        raise click.UsageError("--allocation neyman needs --p-column: the frame column with each district's "
                               "expected rate")
    from survey.inputs.frame import read_frame_file

    raw = read_frame_file(frame, sheet=sheet) if frame else None
    cols = {"count_column": population_column, "stratum_column": district_column}
    if raw is not None:  # counts beyond the population ceiling (1e300 overflowed the allocation) named by their cell
        from survey.inputs.frame import check_ceiling

        pop = S.frame_population(raw.data, **cols, file=raw.file, sheet=raw.sheet)
        for name, value in pop.items():
            check_ceiling(value, file=raw.file, sheet=raw.sheet, row=pop.attrs["rows"].get(name),
                          column=pop.attrs["column"])
        population = int(pop.sum()) if population is None else population
    res: S.SampleSize | S.ThresholdSize
    if threshold is not None:
        res = S.threshold_sample_size(p or 0.95, threshold, confidence=confidence, method=ci_method,
                                      population=population, valid_rate=valid_rate)
    else:
        res = S.sample_size(margin, p=p or 0.5, confidence=confidence, population=population, deff=deff,
                            valid_rate=valid_rate)
    alloc = None if raw is None else S.allocate(res.n, raw.data, method=allocation, min_per_stratum=min_per_district,
                                                p=p_column, **cols, file=raw.file, sheet=raw.sheet)
    if fmt == "json":
        out = {**res.as_dict(), "allocation": None if alloc is None else alloc.to_dict(orient="records")}
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        echo_lines(sample_size_lines(res, alloc, allocation=allocation, min_per_district=min_per_district))
