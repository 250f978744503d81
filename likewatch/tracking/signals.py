"""Signals sent after a page's history changed (after the transaction commits).

Live boards, rollups and event detection listen to these instead of being called from the
poller, so a new consumer never touches the write path.
"""

from django.dispatch import Signal

# sender=Page, page=Page, observation=Observation, created=bool (False: an open span extended)
observation_recorded = Signal()
# sender=Page, page=Page, failure=FetchFailure
failure_recorded = Signal()
