"""Pictures of derivatives: the computation graph and the tangent-line plot.

:func:`graph` walks a recorded graph (a Tensor's history, or a symbolic expression evaluated on
Tensors) and gives each node its value (forward pass), its gradient (backward pass, computed
with the reverse interpreter's ``backward_pass`` without touching ``.grad``) and each edge its
local derivative (the table's ``partials``). The result prints as a text tree, as Graphviz DOT and
as SVG (Graphviz ``dot`` when it is installed, else a small built-in layered layout), and shows
itself in Jupyter. :func:`plot_tangent` draws f, f′ and the tangent line at a point.

Files, each importing only those before it: ``render`` (formatting and layout), ``graph`` (the
data and how it is built), ``plot`` (matplotlib).
"""

from .graph import Graph, GraphEdge, GraphNode, graph
from .plot import plot_tangent
from .render import line_text

__all__ = ["graph", "Graph", "GraphNode", "GraphEdge", "plot_tangent", "line_text"]
