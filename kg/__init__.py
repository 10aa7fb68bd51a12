"""sse-kg: papers on solid-state battery electrolytes -> a queryable knowledge graph."""
__version__ = "0.1.0"
