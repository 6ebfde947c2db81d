"""scenes package."""

__all__: list[str] = []
