"""Numbers computed from a page's history: change, rates, totals, projections, events."""
