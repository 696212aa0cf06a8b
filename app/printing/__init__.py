"""The fax copy of a request: a PDF with a cover sheet, for when a request goes to SSA by fax or mail.

No Qt here. `render` / `render_request_pdf` make the PDF in memory, `write_request_pdf` writes it atomically.
An answer with a character no embedded font can draw stops the print with `GlyphMissing`, naming the field.
"""

from app.printing.content import FaxCopy, build
from app.printing.document import (
    Rendered,
    render,
    render_copy,
    render_request_pdf,
    write_pdf,
    write_request_pdf,
)
from app.printing.errors import GlyphMissing, PrintError
from app.printing.values import mask_ssn

__all__ = [
    "FaxCopy",
    "GlyphMissing",
    "PrintError",
    "Rendered",
    "build",
    "mask_ssn",
    "render",
    "render_copy",
    "render_request_pdf",
    "write_pdf",
    "write_request_pdf",
]
