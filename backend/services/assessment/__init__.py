"""Assessment services: the projection kept current from the log, and the figures read from it."""
