"""Live views, built of stock ipywidgets (``>=7.7,<9``; Colab ships 7.7) around the pictures of ``nbautodiff.inspect``:
``GraphView`` (toggles, boxes that open, redrawn after each cell), the backprop stepper (``step``) and the explorer
(``explore``). Each displays its static picture too, so exports and the docs show it without a kernel.
"""

from .explorer import Explorer, explore
from .stepper import Stepper, step
from .view import GraphView

__all__ = ["Explorer", "GraphView", "Stepper", "explore", "step"]
