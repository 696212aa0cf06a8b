"""How the fax copy looks: page furniture, the cover sheet, the request pages, the error page (reportlab)."""
