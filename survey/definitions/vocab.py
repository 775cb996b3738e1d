"""The closed sets of choices, in one place and free of heavy imports.

The CLI builds its ``click.Choice`` options from here without loading pandas;
the models and functions validate against the same tuples, so the two can never
drift apart.
"""

SRS_CI_METHODS = ("wilson", "beta", "jeffreys", "agresti_coull", "normal")  # statsmodels' names
DESIGN_CI_METHODS = ("korn_graubard", "logit")  # R svyciprop's "beta" and "logit"
CI_METHODS = SRS_CI_METHODS + DESIGN_CI_METHODS
STATS = ("mean", "total")
LONELY_PSU = ("fail", "remove", "adjust")
STEP_MODES = ("ceil", "floor", "linear")
FORMAT_NAMES = ("wjx_text", "wjx_code", "tencent", "interview", "spss", "generic")  # survey.inputs.formats
ITEM_TYPES = ("single", "matrix_row", "multiple", "text")
MEASURE_TYPES = ("top_box", "item_mean", "answer_share", "score_index")
METADATA_FIELDS = (
    "respondent", "submitted_at", "started_at", "duration", "source", "source_detail", "ip", "interviewer",
    "quality_flag", "invalid_probability",
)
ACTIONS = ("exclude", "flag")
# survey.stats.weights.WEIGHTING (a test keeps the two equal); a questionnaire weights to its
# frame with one of FRAME_WEIGHTING_METHODS (design weights are post-stratification by unit there)
WEIGHTING_METHODS = ("design", "poststratify", "rake", "calibrate")
FRAME_WEIGHTING_METHODS = ("poststratify", "rake", "calibrate")

# The columns of the annex scoring table (附件 评分表), as the published annex and `survey audit` read them.
ANNEX_HEADERS = ("一级指标", "二级指标", "三级指标", "指标值", "评分标准", "评分过程", "分值", "得分")

# The domain of an estimate over every respondent (the `domain` column), and its `level` text.
OVERALL = "overall"
OVERALL_LEVEL = "全部"


# The verdict of a validity check: passed, failed, or not computable (the reason is given beside it).
PASS, FAIL, NOT_COMPUTABLE = "通过", "未通过", "无法计算"


def verdict(ok: bool | None) -> str:
    """通过 / 未通过 / 无法计算 for True / False / None."""
    return NOT_COMPUTABLE if ok is None else (PASS if ok else FAIL)

# The command line's other closed sets (tests keep them equal to the library's):
ALLOCATIONS = ("proportional", "equal", "neyman")       # survey.stats.sampling.ALLOCATIONS
VARIANCE_METHODS = ("taylor", "jackknife", "bootstrap")  # Taylor, or survey.stats.replicate.REPLICATE_METHODS
TABLE_FORMATS = ("table", "csv", "json")                 # how `survey estimate` / `sample-size` print a table
