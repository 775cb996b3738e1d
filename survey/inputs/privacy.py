"""Personal data: pseudonyms for respondents and masking of free text.

Raw exports carry names, phone numbers, ID numbers, e-mail addresses and IP
addresses. None of them may reach a report: respondent ids become stable pseudonyms
(:func:`pseudonym`; a repeated id gets one per row, see :func:`row_pseudonym`); phone and
ID numbers inside free text are masked (138****1234, 320***********1234), so are e-mail
addresses (z***@example.com), IP addresses (10.*.*.12), QQ and WeChat ids where labelled
(QQ：12*******, 微信号：a******); IP columns are never written. Answers to items the
questionnaire marks as personal by their wording (姓名, 联系电话, 邮箱 … see
:func:`is_personal`) keep only their first character (张**).
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


# E-mail addresses: the local part keeps its first character.
_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-])[\w.+-]*@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})(?![\w-])", re.ASCII)
# IPv4 addresses: the first and last parts are kept.
_IPV4 = re.compile(r"(?<![\d.])(\d{1,3})\.\d{1,3}\.\d{1,3}\.(\d{1,3})(?![\d.])")
# QQ and WeChat ids after their label (QQ：123456789, 微信号：abc_123, wechat: abc-123).
_LABELLED = re.compile(r"(?<![A-Za-z])((?:QQ|ＱＱ|扣扣|微信号?|VX|WeChat|weixin|WX)\s*(?:号码|号)?\s*[:：]?\s*)"
                       r"([A-Za-z0-9][A-Za-z0-9_-]{4,})", re.IGNORECASE)
# Item wordings that ask for personal data: the answers are masked whole.
PERSONAL_WORDS = re.compile(r"姓名|名字|称呼|联系人|联系方式|联系电话|电话|手机|邮箱|电子邮件|e-?mail|微信|QQ|身份证|住址|地址",
                            re.IGNORECASE)


def is_personal(item_text: str) -> bool:
    """True if an item's wording asks for personal data (姓名, 联系电话, 邮箱, 微信, 身份证, 住址 …)."""
    return PERSONAL_WORDS.search(str(item_text)) is not None


def mask_personal(value):
    """An answer to a personal item: its first character, the rest as ``*`` (张三丰 → 张**)."""
    if value is None or (isinstance(value, float) and value != value):
        return value
    s = str(value).strip()
    return s[:1] + "*" * min(max(len(s) - 1, 1), 8) if s else s


def mask_text(text: str | None) -> str | None:
    """Mask ID and phone numbers, e-mail and IP addresses, labelled QQ/WeChat ids in free text.

    >>> mask_text("邮箱 zhang.san@example.com，QQ：123456789，微信号：abc_123，来自 192.168.1.23")
    '邮箱 z***@example.com，QQ：12*******，微信号：a******，来自 192.*.*.23'
    """
    if text is None or (isinstance(text, float) and text != text):  # a blank cell read as NaN
        return None
    s = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", str(text))
    s = _IPV4.sub(lambda m: f"{m.group(1)}.*.*.{m.group(2)}", s)
    s = _LABELLED.sub(lambda m: m.group(1) + _keep(m.group(2), 2 if m.group(2).isdigit() else 1), s)
    s = _ID18.sub(lambda m: f"{m.group(1)}{'*' * 11}{m.group(2)}", s)
    s = _MOBILE.sub(lambda m: f"{m.group(1)}{m.group(2)}****{m.group(4)}", s)
    s = _ID15.sub(lambda m: f"{m.group(1)}{'*' * 8}{m.group(2)}", s)
    s = _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", s)
    return s


def _keep(s: str, n: int) -> str:
    return s[:n] + "*" * (len(s) - n)


def row_pseudonym(questionnaire_id: str, respondent: object, row: int) -> str:
    """The pseudonym of a respondent whose id is shared with other rows: distinct per row."""
    return pseudonym(questionnaire_id, f"{respondent}@row{row}")


def pseudonym(questionnaire_id: str, respondent: object) -> str:
    """A stable pseudonym for a respondent id: the same input gives the same output."""
    digest = hashlib.sha256(f"survey|{questionnaire_id}|{respondent}".encode()).hexdigest()
    return f"{questionnaire_id[:1].upper()}{digest[:7]}"
