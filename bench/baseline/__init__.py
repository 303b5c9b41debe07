"""The ingestion baseline: one INSERT behind the same gunicorn, settings and database.

It exists only in the benchmark. It checks nothing, so it shows what the
stack costs by itself; SaveTrail's figure is read against it.
"""
