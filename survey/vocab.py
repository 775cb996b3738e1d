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
FORMAT_NAMES = ("wjx_text", "wjx_code", "tencent", "interview", "spss", "generic")  # survey.formats
ITEM_TYPES = ("single", "matrix_row", "multiple", "text")
MEASURE_TYPES = ("top_box", "item_mean", "answer_share", "score_index")
METADATA_FIELDS = (
    "respondent", "submitted_at", "started_at", "duration", "source", "source_detail", "ip", "interviewer",
    "quality_flag", "invalid_probability",
)
ACTIONS = ("exclude", "flag")
