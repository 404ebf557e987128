"""PDF documents (ReportLab) built from plain data."""
