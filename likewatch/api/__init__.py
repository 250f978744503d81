"""The read-only JSON API (django-ninja), mounted at /api/."""
