"""Personal data: pseudonyms for respondents and masking of free text.

Raw exports carry names, phone numbers, ID numbers and IP addresses. None of them
may reach a report: respondent ids become stable pseudonyms, phone and ID numbers
inside free text are masked (138****1234, 320***********1234), IP addresses are
never written.
"""

from __future__ import annotations

import hashlib
import re

# Resident ID numbers: 18 digits (the last may be X) or the old 15 digits.
_ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{3})\d{11}(\d{3}[\dXx])(?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9A-Za-z])(\d{3})\d{8}(\d{4})(?![0-9A-Za-z])")
# Mainland mobile numbers, with or without +86 / 86 and separators.
_MOBILE = re.compile(r"(?<!\d)((?:\+?86[\s-]?)?)(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
# Landlines such as 025-83751234, (025)83751234, 025 8375 1234.
_LANDLINE = re.compile(r"(?<!\d)(\(?0\d{2,3}\)?)[\s-]?(\d{3,4})[\s-]?(\d{4})(?!\d)")


def mask_text(text: str | None) -> str | None:
    """Mask ID and phone numbers in free text; other text is unchanged."""
    if text is None:
        return None
    s = _ID18.sub(lambda m: f"{m.group(1)}{'*' * 11}{m.group(2)}", str(text))
    s = _MOBILE.sub(lambda m: f"{m.group(1)}{m.group(2)}****{m.group(4)}", s)
    s = _ID15.sub(lambda m: f"{m.group(1)}{'*' * 8}{m.group(2)}", s)
    s = _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", s)
    return s


def pseudonym(questionnaire_id: str, respondent: object) -> str:
    """A stable pseudonym for a respondent id: the same input gives the same output."""
    digest = hashlib.sha256(f"survey|{questionnaire_id}|{respondent}".encode()).hexdigest()
    return f"{questionnaire_id[:1].upper()}{digest[:7]}"
