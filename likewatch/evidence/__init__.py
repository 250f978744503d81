"""Evidence: what lets anyone check, later and offline, what likewatch measured.

The history itself is chained in likewatch.tracking (chain.py, history.py). This app adds:

- `raw`: the raw body of each platform answer, compressed and deduplicated by SHA-256,
  linked to the record it produced, kept LIKEWATCH_RAW_RETENTION_DAYS;
- `keys`: the site's Ed25519 signing key (made by `likewatch init`);
- `digests`: a daily signed digest of every page's chain head;
- `bundle`: `likewatch export --evidence` writes a bundle (directory, .zip or .tar.gz);
- `verify`: checks a bundle offline, or the live database, naming each record that breaks.
"""
