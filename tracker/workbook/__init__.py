"""The workbook formats: the form's layout, reading returned files, and the writers' helpers.

Nothing here touches the database, so reading a workbook (or measuring text for one) loads no
SQLAlchemy; the import-linter contracts in setup.cfg keep it so.
"""
