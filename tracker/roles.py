"""The roles an account of the browser view may have, from the most to the least it may do.

Kept apart from the models so that the command line can offer them without loading SQLAlchemy.
"""

ROLES = ("admin", "editor", "viewer", "focal-point")
