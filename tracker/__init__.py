"""tracker: follow member economies' progress against international commitments, year by year."""

__version__ = "0.1.0"

#: The database used when neither ``--db`` nor ``TRACKER_DB`` names one.
DEFAULT_DATABASE = "tracker.db"
