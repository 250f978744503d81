"""Fan-out of "this page has new history" across processes and machines.

Pollers *publish* after each commit; every web process *listens* and wakes the live boards of
its own visitors. Two transports, picked by configuration:

- PostgreSQL LISTEN/NOTIFY when the database is PostgreSQL (nothing else to run);
- Redis pub/sub when REDIS_URL is set (takes the load off the database at scale).

On SQLite there is one machine: the web process's database-watching broker needs no fan-out
and nothing is published. See docs/production.md.
"""
