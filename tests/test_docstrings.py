"""The examples in the docstrings are the API reference: each one must run and print what it shows."""

import doctest
import importlib

import pytest

MODULES = [  # nbautodiff.tf: run by test_tf.py with tf in scope
    "nbautodiff", "nbautodiff.engine.tensor", "nbautodiff.engine.mode", "nbautodiff.engine.backward",
    "nbautodiff.engine.factories", "nbautodiff.engine.forward", "nbautodiff.engine.functional",
    "nbautodiff.engine.numerical", "nbautodiff.engine.custom", "nbautodiff.engine.counting",
    "nbautodiff.engine.methods", "nbautodiff.engine.anomaly", "nbautodiff.engine.autodiff_scalar",
    "nbautodiff.engine.tracing", "nbautodiff.engine.ops.registry",
    "nbautodiff.torch", "nbautodiff.backends", "nbautodiff.semantics", "nbautodiff.traces", "nbautodiff.inspect",
    "nbautodiff.symbolic", "nbautodiff.djl", "nbautodiff.mxnet", "nbautodiff.inspect.graph",
    "nbautodiff.inspect.record", "nbautodiff.inspect.steps", "nbautodiff.inspect.explore", "nbautodiff.inspect.layout",
    "nbautodiff.plots", "nbautodiff.backends.own.special", "nbautodiff.engine.ops.elementwise",
    "nbautodiff.engine.ops.decompositions", "nbautodiff.engine.ops.positions",
]


def _globals():
    import nbautodiff
    import nbautodiff.torch as torch
    from nbautodiff.engine import autograd, dtypes

    names = {name: getattr(nbautodiff, name) for name in dir(nbautodiff) if not name.startswith("_")}
    names.update(tensor=torch.tensor, float64=dtypes.float64, float32=dtypes.float32, autograd=autograd, torch=torch)
    from nbautodiff.engine.forward import dual_level, make_dual, unpack_dual

    names.update(dual_level=dual_level, make_dual=make_dual, unpack_dual=unpack_dual)
    return names


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    tests = finder.find(module, name, globs={**_globals(), **vars(module)})
    for test in tests:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_tab_completion_offers_the_lazily_loaded_names():
    import nbautodiff

    assert {"trace", "graph", "tensor", "Tensor", "set_backend"} <= set(dir(nbautodiff))
    assert all(hasattr(nbautodiff, name) for name in nbautodiff.__all__)


def test_help_opens_with_a_short_guide():
    import pydoc

    import nbautodiff

    text = pydoc.render_doc(nbautodiff, renderer=pydoc.plaintext)
    description = text.split("DESCRIPTION", 1)[1]
    for line in ("import nbautodiff.torch as torch", "from nbautodiff.djl import", "import nbautodiff.tf as tf",
                 "from nbautodiff.mxnet import", "nbautodiff lessons"):
        assert line in description.split("PACKAGE CONTENTS")[0], line
    assert len(text.splitlines()) < 400  # the guide and the functions, not every Tensor method
