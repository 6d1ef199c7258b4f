"""Small pieces every room of the toolkit shares: the project error type, box geometry, typed configs and
the command-line wrapper. Nothing here knows about networks, files of a benchmark, or trackers."""
