"""Import and export of record files for every domain's tables (CLI and REST).

An edge package: it knows every domain's importable tables; no domain imports it.
"""
