"""tracker: follow member economies' progress against international commitments, year by year."""

__version__ = "0.1.0"
