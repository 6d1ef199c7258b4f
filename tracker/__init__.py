"""Tracker inference: every tracker behind one ``init(image, box)`` / ``update(image) -> box`` interface."""
