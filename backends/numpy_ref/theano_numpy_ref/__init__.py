"""The NumPy reference backend: the semantics every other backend matches."""
