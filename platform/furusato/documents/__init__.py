"""PDF documents (reportlab, IPAex Gothic embedded): receipts, annual summaries, one-stop forms
and notifications. Each module turns plain data into bytes; no database access here."""
