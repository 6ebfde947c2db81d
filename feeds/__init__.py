"""feeds package."""

__all__: list[str] = []
