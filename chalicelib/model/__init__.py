"""Domain models shared by channels, routing and services.

Import from the submodules (``chalicelib.model.event`` …): this package imports nothing, so
the ingest path builds only the models it uses (each pydantic model costs cold-start time).
"""
