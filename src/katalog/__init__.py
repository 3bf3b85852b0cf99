"""katalog: municipal budget and savings catalogues from YAML/Markdown to Word, PDF and HTML."""

__version__ = "0.1.0"
