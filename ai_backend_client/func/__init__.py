"""The seed's function classes (``ComputeSession``, ``VFolder``, ``KeyPair``, ...).

Each class is written once, async, under ``_async/``; ``_sync/`` is derived from it by
``python -m codegen.unasync_func`` (checked by the codegen check). Sessions bind them:
``session.ComputeSession`` is a subclass of the class bound to that session.
"""
