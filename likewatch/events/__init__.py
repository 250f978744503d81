"""Events: what looks inorganic (bursts, purges), changes of pace, and data problems.

- `detect`: the pure detector (robust statistics over a page's spans and failures);
- `models.Event`: what was found, with its review status;
- `scan`: runs the detector over a page's stored history and stores the findings,
  idempotently (called live by the events consumer of the history, `live`, and by
  `likewatch events`);
- `sentences`: the sentence that explains an event, built at render time in the reader's
  language;
- `markers`: events as chart markers for the board.
"""
