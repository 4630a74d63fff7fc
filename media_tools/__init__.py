"""Pure image pipeline: inspection, projection and tiling of panoramas.

No file I/O except in ``__main__``.
"""
