"""The roster: many requests at once from the HR system's spreadsheet, and the register back to HR. No Qt here.

- `readers`: an `.xlsx` (python-calamine) or `.csv` (the csv module) file into a header and rows of cells;
- `mapping`: which column fills which field (a TOML mapping file, or a guess from headers and HR synonyms);
- `values`: cells as HR exports them (Excel dates, U.S. dates, country names, yes/no spellings, SSNs);
- `plan`: what each row becomes, with its verdict, then one transaction that can be undone as one step;
- `register`: the register of requests written as `.xlsx` or `.csv`.

See docs/roster.md. Heavy libraries (calamine, openpyxl, the form engine) load only when a roster is used.
"""
