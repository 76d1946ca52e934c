"""The demo centre: the simulator, the generated evidence photos, the runner behind
``citygrid demo`` and the demo's commands.  The demo city's behaviour table is
``backend.seed.behaviour`` (the history seeder reads it too)."""
