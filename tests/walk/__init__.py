"""The public walk: the viewer's JSON API for tours and scenes, and its caching."""
