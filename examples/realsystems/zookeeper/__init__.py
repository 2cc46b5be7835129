"""Apache ZooKeeper (kazoo's Election recipe) with PostgreSQL storage: the paused leader."""
