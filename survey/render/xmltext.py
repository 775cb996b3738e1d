"""Text as XML can hold it: the one place that says which characters the Office files drop.

XML 1.0 cannot hold the C0 control characters but tab, newline and return, lone surrogates,
or U+FFFE/U+FFFF; Excel refuses such a workbook and python-docx such a document. A free-text
answer may carry one (Excel stores ESC as _x001B_), and a framework's text pasted from Word a
vertical tab (its Shift+Enter). The xlsx writers (:mod:`survey.render.spreadsheet`,
:mod:`survey.render.bigxlsx`) and the Word writers (:mod:`survey.render.wordtable`,
:mod:`survey.render.report_docx`) drop them through here.
"""

from __future__ import annotations

import re

NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML cannot hold (:data:`NOT_XML`).

    >>> xml_text("甲\\x0b乙\\x1b")
    '甲乙'
    """
    return NOT_XML.sub("", text) if NOT_XML.search(text) else text
