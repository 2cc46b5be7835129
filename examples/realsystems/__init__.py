"""Real third-party systems under test (ZooKeeper, PostgreSQL, ...), started by pid on 127.0.0.1."""
