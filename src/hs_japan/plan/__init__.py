"""Plans: the pure diff between a desired and an actual snapshot, and its renderings."""
