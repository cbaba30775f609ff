"""Certificates as PDF documents (科技成果登记证书, 技术合同登记证明): a title, the certificate's number, rows of
label and value, and who issued it on which date, in Chinese.

Drawn with reportlab's built-in CID font STSong-Light (Adobe-GB1): the PDF names the font and the reader supplies
its glyphs, so no font file is shipped or embedded and the text stays extractable (pypdf reads it back). A value
is escaped before it goes into a paragraph: a name with ``<`` or ``&`` prints as typed.
"""
import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from werkzeug.wrappers import Response

FONT = "STSong-Light"
MEDIA_TYPE = "application/pdf"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_TITLE = ParagraphStyle("title", fontName=FONT, fontSize=20, leading=28, alignment=1, spaceAfter=4 * mm)
_NUMBER = ParagraphStyle("number", fontName=FONT, fontSize=11, leading=16, alignment=1, spaceAfter=6 * mm)
_CELL = ParagraphStyle("cell", fontName=FONT, fontSize=11, leading=16, wordWrap="CJK")
_LABEL = ParagraphStyle("label", parent=_CELL, textColor=colors.HexColor("#333333"))
_FOOT = ParagraphStyle("foot", fontName=FONT, fontSize=11, leading=18, alignment=2, spaceBefore=10 * mm)


def render(title, number_label, number, rows, issuer, issued_on):
    """The PDF bytes of a certificate: ``title``, ``number_label``: ``number`` under it, then ``rows`` (pairs of
    label and value; a value that is a list prints one item a line, None prints as —), then ``issuer`` and
    ``issued_on`` (a date, printed as 2026年12月3日)."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(buffer, pagesize=A4, title=f"{title} {number}", author=issuer, subject=title,
                                 leftMargin=20 * mm, rightMargin=20 * mm, topMargin=25 * mm, bottomMargin=20 * mm)
    table = Table([[Paragraph(escape(label), _LABEL), Paragraph(_value(value), _CELL)] for label, value in rows],
                  colWidths=[45 * mm, 125 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2"))]))
    document.build([Paragraph(escape(title), _TITLE), Paragraph(escape(f"{number_label}：{number}"), _NUMBER),
                    table, Spacer(1, 4 * mm), Paragraph(escape(issuer), _FOOT),
                    Paragraph(chinese_date(issued_on), _FOOT)])
    return buffer.getvalue()


def chinese_date(day):
    """2026年12月3日."""
    return f"{day.year}年{day.month}月{day.day}日"


def response(pdf, filename):
    """A download of ``pdf`` as ``filename`` (ASCII: it goes into a header)."""
    return Response(pdf, status=200, mimetype=MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _value(value):
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, (list, tuple)):
        return "<br/>".join(escape(str(item)) for item in value)
    return escape(str(value))


def yuan(amount):
    """An amount of money as a certificate prints it: 1,234,567.00 元."""
    return f"{amount:,.2f} 元"
