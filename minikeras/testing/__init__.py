"""Test helpers shipped with minikeras (the strict CuPy stand-in)."""
