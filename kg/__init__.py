"""sse-kg: papers on solid-state battery electrolytes -> a queryable knowledge graph."""
__version__ = "0.1.0"


def open(path=None):  # noqa: A001 - ``kg.open(path)`` is the public entry point
    """Open a knowledge-graph store for querying: ``kg.open("kg-store").query(...)`` -> pandas.DataFrame.

    See ``kg.api.KnowledgeGraph`` (``query``, ``facts``, ``to_networkx``)."""
    from kg.api import open as _open

    return _open(path)
