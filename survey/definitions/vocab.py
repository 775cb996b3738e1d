"""The closed sets of choices, in one place and free of heavy imports.

The CLI builds its ``click.Choice`` options from here without loading pandas;
the models and functions validate against the same tuples, so the two can never
drift apart. A set that a model field takes is written once as a ``Literal`` type
(which pydantic validates and mypy checks) and its tuple is read from it.
"""

from typing import Literal, get_args

STATSMODELS_CI_METHODS = ("wilson", "beta", "jeffreys", "agresti_coull", "normal")  # statsmodels' names
# Binomial intervals on a count (and on the effective n of a design): statsmodels' and
# Wilson with continuity correction (R prop.test), mid-p exact, likelihood ratio.
SRS_CI_METHODS = (*STATSMODELS_CI_METHODS, "wilson_cc", "midp", "lr")
# Intervals on a transformed scale from the design variance (R svyciprop "logit"; binom's
# "probit", "cloglog"; the arcsine square root), and Korn & Graubard (svyciprop "beta").
TRANSFORM_CI_METHODS = ("logit", "probit", "cloglog", "arcsine")
DESIGN_CI_METHODS = ("korn_graubard", *TRANSFORM_CI_METHODS)
CI_METHODS = SRS_CI_METHODS + DESIGN_CI_METHODS
STATS = ("mean", "total", "ratio", "quantile")
CAL_DISTANCES = ("linear", "raking", "logit")  # calibration distance (R calibrate(calfun=))
DEFF_SRS = ("without", "replace")  # deff against SRS without replacement from N̂ (R deff=TRUE) or with
LONELY_PSU = ("fail", "remove", "adjust")
StepMode = Literal["ceil", "floor", "linear"]
STEP_MODES: tuple[str, ...] = get_args(StepMode)
FormatName = Literal["wjx_text", "wjx_code", "tencent", "interview", "spss", "generic"]  # survey.inputs.formats
FORMAT_NAMES: tuple[str, ...] = get_args(FormatName)
ItemType = Literal["single", "matrix_row", "multiple", "text"]
ITEM_TYPES: tuple[str, ...] = get_args(ItemType)
MeasureType = Literal["top_box", "item_mean", "answer_share", "score_index"]
MEASURE_TYPES: tuple[str, ...] = get_args(MeasureType)
METADATA_FIELDS = (
    "respondent", "submitted_at", "started_at", "duration", "source", "source_detail", "ip", "interviewer",
    "quality_flag", "invalid_probability",
)
Action = Literal["exclude", "flag"]
ACTIONS: tuple[str, ...] = get_args(Action)
# survey.stats.weights.WEIGHTING (a test keeps the two equal); a questionnaire weights to its
# frame with one of FRAME_WEIGHTING_METHODS (design weights are post-stratification by unit there)
WEIGHTING_METHODS = ("design", "poststratify", "rake", "calibrate")
FrameWeightingMethod = Literal["poststratify", "rake", "calibrate"]
FRAME_WEIGHTING_METHODS: tuple[str, ...] = get_args(FrameWeightingMethod)

# The columns of the annex scoring table (附件 评分表), as the published annex and `survey audit` read them.
# The annex labels of the report body (附件1 评分表, 附件2 问卷调查汇总分析报告, as 财预〔2020〕10号's
# report outline numbers them), and the heading of the standalone annex files (annex.xlsx, annex.docx),
# which keep the annex's own heading as the reference report prints it above the table (附件-1).
ANNEX_SCORECARD = "附件1"
ANNEX_SURVEY = "附件2"
ANNEX_FILE_HEADING = "附件-1"
ANNEX_HEADERS = ("一级指标", "二级指标", "三级指标", "指标值", "评分标准", "评分过程", "分值", "得分")

# The domain of an estimate over every respondent (the `domain` column), and its `level` text.
OVERALL = "overall"
OVERALL_LEVEL = "全部"
# A breakdown (a unit) with fewer respondents is not reported: privacy and precision (the default of suppress_below).
SUPPRESS_BELOW = 5


# The verdict of a validity check: passed, failed, or not computable (the reason is given beside it).
PASS, FAIL, NOT_COMPUTABLE = "通过", "未通过", "无法计算"


def verdict(ok: bool | None) -> str:
    """通过 / 未通过 / 无法计算 for True / False / None."""
    return NOT_COMPUTABLE if ok is None else (PASS if ok else FAIL)

# The command line's other closed sets (tests keep them equal to the library's):
ALLOCATIONS = ("proportional", "equal", "neyman")       # survey.stats.sampling.ALLOCATIONS
VARIANCE_METHODS = ("taylor", "jackknife", "bootstrap")  # Taylor, or survey.stats.replicate.REPLICATE_METHODS
# ready-made replicate weights: the kinds whose scale R svrepdesign(type=) derives from R replicates
REPWEIGHT_TYPES = ("bootstrap", "JK1", "BRR", "successive-difference", "ACS")
TABLE_FORMATS = ("table", "csv", "json")                 # how `survey estimate` / `sample-size` print a table
