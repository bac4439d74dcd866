"""Look inside a computation: the graph snapshot (``graph``), the recorder of every value (``record``), and the
picture of both (layout and SVG, pure Python). Everything that shows a graph reads this layer.
"""

from .graph import Graph, GraphEdge, GraphNode, graph
from .record import Recording, record

__all__ = ["Graph", "GraphEdge", "GraphNode", "Recording", "graph", "record"]
