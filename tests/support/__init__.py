"""Real components the tests run against: PostgreSQL, SeaweedFS, the imghost server."""
