"""Loaders for tracking benchmarks in their official on-disk layouts, and training data.

This package deliberately shares its name with a popular PyPI package; the tools and tests put the repository
root first on ``sys.path`` so this one wins.
"""
