"""Misuse, case by case, in every dialect and at the backend switch: each wrong call raises the framework's
exception type with the framework's first line (our hint, if any, on the lines after it), and changes nothing —
values, versions, gradients, grad mode, the backend, open recorders. The PyTorch cases are run on real PyTorch
too and must raise what it raises; the other dialects' texts are their frameworks' (TensorFlow's op errors,
MXNet's shape checks, DJL's documented exceptions). Each dialect case runs on both backends."""

from __future__ import annotations

import numpy as np
import pytest

import nbautodiff as nb
import nbautodiff.torch as nbt
from nbautodiff import djl, mxnet, tf
from nbautodiff.engine import Tensor as OwnTensor
from nbautodiff.mxnet import autograd as mx_autograd
from nbautodiff.tf import _stack as tf_stack

from .conftest import needs_torch, real_torch

# (setup, the wrong statement): both run with ``L`` = nbautodiff.torch, and again with L = torch
TORCH = [
    ('x = L.ones(3, requires_grad=True)', 'x.add_(1)'),
    ('x = L.ones(3, requires_grad=True)', 'x[0] = 5'),
    ('x = L.ones(3, requires_grad=True)', 'x.view(3).mul_(2)'),
    ('x = L.ones(3, requires_grad=True)', 'x.backward()'),
    ('x = L.ones(3, requires_grad=True); y = x * 2', 'y.backward()'),
    ('x = L.ones(3, requires_grad=True); y = (x * 2).sum(); y.backward()', 'y.backward()'),
    ('x = L.ones(3, requires_grad=True); y = x.exp(); z = y.sum(); y.add_(1)', 'z.backward()'),
    ('x = L.ones(3)', 'x.sum().backward()'),
    ('x = L.arange(3)', 'x.requires_grad_()'),
    ('x = L.ones(3, requires_grad=True)', 'L.autograd.grad(x * 2, x)'),
    ('x = L.ones(3, requires_grad=True); y = L.ones(3, requires_grad=True)', 'L.autograd.grad((x * 2).sum(), y)'),
    ('x = L.ones(3, requires_grad=True)', '(x * 2).sum().backward(L.ones(2))'),
    ('x = L.ones(3, requires_grad=True); y = x * 2', 'y.requires_grad_(False)'),
    ('x = L.ones(3)', 'x.register_hook(lambda g: g)'),
    ('x = L.ones(3)', 'x.retain_grad()'),
    ('a = L.ones(2, 3); b = L.ones(2, 3)', 'a @ b'),
    ('a = L.ones(2, 3); b = L.ones(4)', 'a + b'),
    ('a = L.ones(3); b = L.ones(4)', 'L.dot(a, b)'),
    ('a = L.ones(2, 3); b = L.ones(2)', 'L.mv(a, b)'),
    ('a = L.ones(2, 3)', 'a.view(4)'),
    ('a = L.ones(2, 3)', 'a.reshape(4)'),
    ('a = L.ones(2, 3)', 'a.sum(2)'),
    ('a = L.ones(2, 3)', 'a.transpose(0, 2)'),
    ('a = L.ones(2, 3)', 'a[2]'),
    ('a = L.ones(2, 3)', 'a[:, 3]'),
    ('a = L.ones(2, 3)', 'a.squeeze(3)'),
    ('a = L.ones(2, 3)', 'L.cat([a, L.ones(2, 2)])'),
    ('a = L.ones(2, 3)', 'L.stack([a, L.ones(2, 2)])'),
    ('a = L.ones(2, 3)', 'a.permute(0)'),
    ('a = L.ones(2, 3)', 'a.softmax(2)'),
    ('a = L.ones(3)', 'a.item()'),
    ('a = L.ones(3)', 'float(a)'),
    ('a = L.ones(3)', 'bool(a)'),
    ('a = L.ones(3, requires_grad=True)', 'a.numpy()'),
    ('a = L.ones(3)', 'L.tensor([1, 2]) + a'),
    ('a = L.ones(3, dtype=L.int64)', 'a.add_(1.5)'),
    ('a = L.ones(3, dtype=L.int64)', 'a.mul_(L.ones(3))'),
    ('a = L.ones(2, 3)', 'a.flatten(3)'),
    ('a = L.ones(2, 3)', 'a.unsqueeze(4)'),
    ('a = L.ones(2, 3)', 'L.nn.functional.cross_entropy(a, L.tensor([0, 5]))'),
    ('a = L.ones(2, 3)', 'L.nn.functional.nll_loss(a, L.tensor([0, 1, 2]))'),
    ('a = L.ones(2, 3)', 'L.nn.functional.linear(a, L.ones(3, 4))'),
    ('m = L.nn.Linear(3, 2)', 'm(L.ones(2, 4))'),
    ('x = L.ones(3, requires_grad=True)', 'L.optim.SGD([x], lr=-1)'),
    ('x = L.ones(3, requires_grad=True)', 'L.optim.SGD([], lr=0.1)'),
    ('a = L.ones(3)', 'a.to("cuda")'),
    ('a = L.ones(3)', 'a.cuda()'),
    ('a = L.ones(2, 3)', 'L.linalg.inv(a)'),
    ('a = L.ones(2, 3)', 'L.linalg.solve(a, L.ones(2))'),
    ('x = L.ones(3, requires_grad=True)', 'x.grad = L.ones(2)'),
    ('x = L.ones(3, requires_grad=True)', 'x.grad = L.ones(3, dtype=L.float64)'),
    ('x = L.ones(3, requires_grad=True)', 'x.grad = [1, 2, 3]'),
    ('x = L.ones(3, requires_grad=True)', 'x.data = L.ones(3, dtype=L.int64)'),
    ('a = L.ones(3)', 'a.std(dim=3)'),
    ('a = L.ones(3)', 'a.max(dim=2)'),
    ('a = L.ones(0)', 'a.max()'),
    ('a = L.ones(2, 3)', 'L.addmm(L.ones(2, 2), a, L.ones(2, 3))'),
    ('a = L.ones(2, 3)', 'L.where(a > 0, a, L.ones(4))'),
    ('a = L.ones(2, 3)', 'a.clamp()'),
    ('a = L.ones(2, 3)', 'a.pow(L.ones(4))'),
    ('x = L.ones(3, requires_grad=True)', 'L.autograd.grad([x.sum()], [x], grad_outputs=[L.ones(3)])'),
    ('x = L.ones(3, requires_grad=True)', 'L.autograd.functional.jacobian(lambda t: t.numpy(), x)'),
    ('a = L.ones(2, 3)', 'a.gather(1, L.tensor([[0], [1]]).float())'),
    ('a = L.ones(2, 3)', 'a.gather(1, L.tensor([[5], [1]]))'),
    ('a = L.ones(2, 3)', 'a.gather(1, L.tensor([[-1], [1]]))'),
    ('a = L.ones(2, 3)', 'a.index_select(0, L.tensor([3]))'),
    ('a = L.ones(2, 3)', 'a.index_select(0, L.tensor([-1]))'),
    ('a = L.ones(2, 3)', 'a.index_select(0, L.tensor([1.]))'),
    ('a = L.ones(2, 3)', 'a.masked_fill(L.ones(2, 3), 0)'),
    ('a = L.ones(2, 3)', 'a.masked_fill(L.ones(2, 3, dtype=L.int64), 0)'),
    ('a = L.ones(2, 3)', 'a.masked_fill(L.ones(3, 2, dtype=L.bool), 0)'),
    ('a = L.ones(2, 3)', 'a.masked_fill_(L.ones(4, dtype=L.bool), 1.0)'),
    ('a = L.ones(2, 3)', 'a.masked_fill_(L.ones(4, 2, 3, dtype=L.bool), 1.0)'),
    ('a = L.zeros(1, 3)', 'a.masked_fill_(L.ones(2, 3, dtype=L.bool), 1.0)'),
    ('a = L.ones(2, 3)', 'a.repeat(2)'),
    ('a = L.arange(3)', 'a.mean()'),
    ('a = L.ones(0)', 'a.argmax()'),
    ('a = L.ones(0, 3)', 'a.argmin(0)'),
    ('a = L.zeros(2, 2)', 'L.linalg.inv(a)'),
    ('', 'L.tensor("abc")'),
    ('', 'L.ones(2, 3, dtype="float32")'),
    ('', 'L.tensor([1.], dtype="float32")'),
    ('', 'L.zeros_like(L.ones(2), dtype="float32")'),
    ('', 'L.arange(0, 10, 0)'),
    ('', 'L.arange(5, 0, 1)'),
    ('', 'L.linspace(0, 1, -1)'),
    ('x = L.ones(2, requires_grad=True)', 'L.autograd.backward([x.sum()], grad_tensors=[L.ones(2), L.ones(2)])'),
    ('x = L.ones(2, requires_grad=True)', 'L.autograd.backward([x.sum(), x.sum()], grad_tensors=[L.ones(())])'),
]

DJL = "from nbautodiff.djl import NDManager, Engine, Shape, DataType\nm = NDManager.newBaseManager()\n"
TF = "import nbautodiff.tf as tf\n"
MX = "from nbautodiff.mxnet import np, npx, autograd\n"
NB = "import nbautodiff as nb\nimport nbautodiff.torch as torch\n"

# (prelude + setup, the wrong statement, exception type, its first line)
DIALECTS = [
    # DJL: DJL's documented exceptions; what its engine refuses is EngineException with the engine's text
    (DJL + "x = m.arange(3)", "x.getFloat(0)", "IllegalStateException",
     "DataType mismatch, Required float, Actual int32"),
    (DJL + "x = m.arange(3.0)", "x.getFloat()", "IllegalArgumentException",
     "The supplied Index does not produce a scalar"),
    (DJL + "x = m.arange(3.0)", "x.getInt(0)", "IllegalStateException",
     "DataType mismatch, Required int, Actual float32"),
    (DJL + "x = m.arange(3.0)", "x.toIntArray()", "IllegalStateException",
     "DataType mismatch, Required int, Actual float32"),
    (DJL + "x = m.arange(3.0)", "x.getLong(0)", "IllegalStateException",
     "DataType mismatch, Required long, Actual float32"),
    (DJL + "x = m.arange(3.0)", "x.getDouble(0)", "IllegalStateException",
     "DataType mismatch, Required double, Actual float32"),
    (DJL + "x = m.arange(3.0)", "x.getBoolean(0)", "IllegalStateException",
     "DataType mismatch, Required boolean, Actual float32"),
    (DJL + "x = m.arange(3.0)", "x.toLongArray()", "IllegalStateException",
     "DataType mismatch, Required long, Actual float32"),
    (DJL + "x = m.arange(3)", "x.setRequiresGradient(True)", "EngineException",
     "Only Tensors of floating point and complex dtype can require gradients"),
    (DJL + "x = m.arange(3.0)", "x.getGradient()", "IllegalStateException",
     "No gradient attached to this NDArray, please call array.setRequiresGradient() on your NDArray or "
     "block.setInitializer() on your Block"),
    (DJL + "x = m.arange(3.0)", "x.reshape(Shape(4))", "EngineException", "shape '[4]' is invalid for input of size 3"),
    (DJL + "x = m.ones(Shape(2, 3))", "x.matMul(m.ones(Shape(2, 3)))", "EngineException",
     "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"),
    (DJL + "x = m.ones(Shape(2, 3))", "x.add(m.ones(Shape(3, 2)))", "EngineException",
     "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1"),
    (DJL + "x = m.ones(Shape(2, 3))", "x.dot(m.ones(Shape(2, 3)))", "EngineException",
     "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"),
    (DJL + "x = m.arange(4.0)", "x.get(7)", "EngineException", "index 7 is out of bounds for dimension 0 with size 4"),
    (DJL + "x = m.arange(4.0)", "m.zeros(Shape(-1))", "EngineException",
     "Trying to create tensor with negative dimension -1: [-1]"),
    (DJL + "x = m.arange(4.0)", "m.create([[1, 2], [3]])", "IllegalArgumentException",
     "create: the rows of a nested list must all have the same length (DJL's arrays are rectangular)"),
    (DJL + "x = m.arange(4.0); x.setRequiresGradient(True)\ngc = Engine.getInstance().newGradientCollector()",
     "Engine.getInstance().newGradientCollector()", "IllegalStateException",
     "A GradientCollector already exists: only one can record at a time. Close the open one first (end its `with "
     "Engine.getInstance().newGradientCollector() as gc:` block, or call gc.close()), or do this computation inside "
     "the open collector's block."),
    (DJL + "x = m.arange(4.0); x.setRequiresGradient(True)\ngc = Engine.getInstance().newGradientCollector()\n"
     "gc.close()", "gc.backward(x.mul(2))", "IllegalStateException",
     "backward(): this GradientCollector is closed; call gc.backward(y) inside its `with` block"),
    (DJL + "x = m.arange(4.0); x.setRequiresGradient(True); y = x.mul(2)",
     "with Engine.getInstance().newGradientCollector() as gc:\n    gc.backward(y)", "EngineException",
     "backward(): the target was not computed from any NDArray that setRequiresGradient(True) was called on, inside "
     "this GradientCollector; call x.setRequiresGradient(True) first and compute y from x inside the `with "
     "Engine.getInstance().newGradientCollector() as gc:` block"),
    # TensorFlow: its op errors (InvalidArgumentError) and Python-side ValueError / TypeError texts
    (TF + "x = tf.ones((2, 3))", "tf.matmul(x, x)", "InvalidArgumentError",
     "Matrix size-incompatible: In[0]: [2,3], In[1]: [2,3] [Op:MatMul] name: "),
    (TF + "x = tf.ones((2, 3))", "tf.matmul(x, tf.ones(3))", "InvalidArgumentError",
     "In[1] ndims must be >= 2: 1 [Op:MatMul] name: "),
    (TF + "x = tf.ones((2, 3))", "x + tf.ones((3, 2))", "InvalidArgumentError",
     "Incompatible shapes: [2,3] vs. [3,2] [Op:AddV2] name: "),
    (TF + "x = tf.ones((2, 3))", "x + tf.ones((2, 3), dtype=tf.float64)", "InvalidArgumentError",
     "cannot compute AddV2 as input #1(zero-based) was expected to be a float tensor but is a double tensor "
     "[Op:AddV2] name: "),
    (TF + "x = tf.ones((2, 3))", "tf.reshape(x, (4,))", "InvalidArgumentError",
     "Input to reshape is a tensor with 6 values, but the requested shape has 4 [Op:Reshape] name: "),
    (TF + "x = tf.ones((2, 3))", "tf.reshape(x, (-1, 4))", "InvalidArgumentError",
     "Input to reshape is a tensor with 6 values, but the requested shape requires a multiple of 4 [Op:Reshape] "
     "name: "),
    (TF + "x = tf.ones((2, 3))", "tf.reduce_sum(x, axis=2)", "InvalidArgumentError",
     "Invalid reduction dimension 2 for input with 2 dimensions. [Op:Sum] name: "),
    (TF + "x = tf.ones((2, 3))", "tf.reduce_mean(x, axis=-3)", "InvalidArgumentError",
     "Invalid reduction dimension -3 for input with 2 dimensions. [Op:Mean] name: "),
    (TF + "x = tf.ones((2, 3))", "x[2]", "InvalidArgumentError",
     "slice index 2 of dimension 0 out of bounds. [Op:StridedSlice] name: strided_slice/"),
    (TF + "x = tf.ones((2, 3))", "x[0] = 1", "TypeError",
     "'tensorflow.python.framework.ops.EagerTensor' object does not support item assignment"),
    (TF + "x = tf.Variable(tf.ones(3))", "x[0] = 1", "TypeError",
     "'ResourceVariable' object does not support item assignment"),
    (TF + "x = tf.Variable(tf.ones(3))", "x.assign(tf.ones(2))", "ValueError",
     "Cannot assign value to variable ' Variable:0': Shape mismatch.The variable shape (3,), and the assigned value "
     "shape (2,) are incompatible."),
    (TF + "x = tf.Variable(tf.ones(3))", "x.assign(tf.ones(3, dtype=tf.int32))", "ValueError",
     "Tensor conversion requested dtype float32 for Tensor with dtype int32: tf.Tensor([1 1 1], shape=(3,), "
     "dtype=int32)"),
    (TF + "x = tf.constant(1.0)", "tf.GradientTape().gradient(x, x)", "RuntimeError",
     "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)"),
    (TF + "x = tf.Variable(1.0)\nwith tf.GradientTape() as t:\n    y = x * x\nt.gradient(y, x)", "t.gradient(y, x)",
     "RuntimeError", "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians)"),
    (TF + "x = tf.Variable(1.0)", "tf.cast(x, 'float99')", "TypeError",
     "Cannot convert the argument `type_value`: 'float99' to a TensorFlow DType."),
    (TF + "x = tf.Variable(1.0)", "tf.constant([[1, 2], [3]])", "ValueError",
     "Can't convert non-rectangular Python sequence to Tensor."),
    (TF + "x = tf.ones((2, 3))", "tf.concat([x, tf.ones((2, 2))], axis=0)", "InvalidArgumentError",
     "ConcatOp : Dimension 1 in both shapes must be equal: shape[0] = [2,3] vs. shape[1] = [2,2] [Op:ConcatV2] "
     "name: concat"),
    (TF + "x = tf.ones((2, 3))", "tf.transpose(x, [0])", "InvalidArgumentError",
     "transpose expects a vector of size 2. But input(1) is a vector of size 1 [Op:Transpose] name: "),
    (TF + "x = tf.ones((2, 3))", "tf.exp(tf.constant([1, 2]))", "InvalidArgumentError",
     "Value for attr 'T' of int32 is not in the list of allowed values: bfloat16, half, float, double, complex64, "
     "complex128"),
    (TF + "x = tf.ones((2, 3))", "tf.math.log(tf.constant([1, 2]))", "InvalidArgumentError",
     "Value for attr 'T' of int32 is not in the list of allowed values: bfloat16, half, float, double, complex64, "
     "complex128"),
    (TF + "x = tf.ones((2, 3))", "float(x)", "TypeError", "only size-1 arrays can be converted to Python scalars"),
    (TF + "x = tf.ones((2, 3))", "tf.tensordot(x, x, 1)", "InvalidArgumentError",
     "Matrix size-incompatible: In[0]: [2,3], In[1]: [2,3] [Op:MatMul] name: "),
    # MXNet: MXNetError with MXNet's shape checks; numpy's IndexError texts
    (MX + "x = np.ones((2, 3))", "np.dot(x, x)", "MXNetError",
     "Shape inconsistent, Provided = [2,3], inferred shape=[-1,2]"),
    (MX + "x = np.ones((2, 3))", "np.dot(np.ones(3), np.ones(2))", "MXNetError",
     "Shape inconsistent, Provided = [3], inferred shape=[2]"),
    (MX + "x = np.ones((2, 3))", "x @ x", "MXNetError", "Shape inconsistent, Provided = [2,3], inferred shape=[-1,2]"),
    (MX + "x = np.ones((2, 3))", "np.matmul(x, 2)", "MXNetError",
     "Check failed: b_ndim != 0 (0 vs. 0) : Multiplication by scalars is not allowed."),
    (MX + "x = np.ones((2, 3))", "x.reshape(4)", "MXNetError",
     "Check failed: src.Size() == dst->Size() (6 vs. 4) : Cannot reshape array of size 6 into shape [4]"),
    (MX + "x = np.ones((2, 3))", "x + np.ones((3, 2))", "MXNetError",
     "Check failed: l == 1 || r == 1: operands could not be broadcast together with shapes [2,3] [3,2]"),
    (MX + "x = np.ones((2, 3))", "x.sum(axis=2)", "MXNetError",
     "Check failed: axes[axes.ndim()-1] < ishape.ndim() (2 vs. 2) : Reduction axis 2 Exceeds input dimensions [2,3]"),
    (MX + "x = np.ones((2, 3))", "x.mean(axis=-3)", "MXNetError",
     "Check failed: axes[0] >= 0 (-1 vs. 0) : Reduction axis -3 Exceeds input dimensions [2,3]"),
    (MX + "x = np.ones((2, 3))", "x[2]", "IndexError", "index 2 is out of bounds for axis 0 with size 2"),
    (MX + "x = np.ones(3); x.attach_grad()", "y = x * 2; y.backward()", "MXNetError",
     "Cannot differentiate node because it is not in a computational graph. You need to set is_recording to true or "
     "use autograd.record() to save computational graphs for backward. If you want to differentiate the same graph "
     "twice, you need to pass retain_graph=True to backward."),
    (MX + "x = np.ones(3); x.attach_grad()\nwith autograd.record():\n    y = x * 2", "with autograd.record():\n"
     "    x[0] = 5", "MXNetError",
     "Assigning to NDArrays that are already in a computational graph will cause undefined behavior when evaluating "
     "gradients. Please call backward first to clear the graph or do this out side of a record section. Also note "
     "that you cannot use inplace operations like +=, *=, relu(x, out=x), y[idx]=x, etc inside a record section."),
    (MX + "x = np.ones(3)", "x.attach_grad(grad_req='sometimes')", "ValueError",
     "grad_req must be 'write', 'add' or 'null', not 'sometimes'"),
    (MX + "x = np.ones(3)", "float(x)", "TypeError", "only size-1 arrays can be converted to Python scalars"),
    (MX + "x = np.ones(3)", "x.item()", "ValueError", "can only convert an array of size 1 to a Python scalar"),
    # the backend switch and nbautodiff's own functions
    (NB + "x = torch.ones(2)", "nb.set_backend('tensorflow')", "ValueError",
     "unknown backend 'tensorflow': choose 'numpy' (nbautodiff's own engine) or 'torch' (real PyTorch), e.g. "
     "set_backend('torch', device='cuda') or NBAUTODIFF_BACKEND=torch:cuda"),
    (NB + "x = torch.ones(2)", "nb.set_backend('numpy', device='cuda')", "RuntimeError",
     "the own numpy engine runs on the CPU only, not on 'cuda'; for a GPU use the PyTorch backend: "
     "set_backend('torch', device='cuda')"),
    (NB + "x = torch.ones(2)", "nb.use_backend('jax').__enter__()", "ValueError",
     "unknown backend 'jax': choose 'numpy' (nbautodiff's own engine) or 'torch' (real PyTorch), e.g. "
     "set_backend('torch', device='cuda') or NBAUTODIFF_BACKEND=torch:cuda"),
    (NB + "x = torch.ones(2)", "nb.gradcheck(lambda t: t * 2, (x,))", "ValueError",
     "gradcheck expects at least one input tensor to require gradient, but none of the them have requires_grad=True."),
    (NB + "x = torch.ones(2)", "nb.graph(3)", "TypeError",
     "graph(): output 0 is a int, not a tensor; make it a tensor with requires_grad=True, e.g. "
     "torch.tensor(2.0, requires_grad=True)"),
    (NB + "x = torch.ones(2)", "nb.explore(lambda a: a * 2)", "ValueError",
     "explore(f, x1=2.0, x2=5.0): give each input of f a value (or a range)"),
]


# ------------------------------------------------------------------------------------------ what must not change
def _tensor_state(t):
    grad = t._grad if isinstance(t, OwnTensor) else t.grad if t.is_leaf or t.retains_grad else None
    return (str(t.dtype), tuple(t.shape), np.array(t.detach().cpu().numpy() if hasattr(t, "cpu") else t.detach().numpy()
                                                   ).tobytes(),
            t._version, t.requires_grad, None if grad is None else _tensor_state(grad), id(t.grad_fn))


def _state_of(value, depth=0):
    """What a user could see change: a tensor's values, version, requires_grad, gradient and node; a dialect
    array's tensors; the items of a list; a module's parameters."""
    if isinstance(value, OwnTensor) or (real_torch is not None and isinstance(value, real_torch.Tensor)):
        return _tensor_state(value)
    if depth > 3:
        return type(value).__name__
    if isinstance(value, (djl.NDArray, mxnet.np.ndarray, tf.Tensor, tf.Variable)):
        slots = [s for cls in type(value).__mro__ for s in getattr(cls, "__slots__", ()) if s != "__weakref__"]
        return {s: _state_of(getattr(value, s, None), depth + 1) for s in slots}
    if isinstance(value, (list, tuple)):
        return [_state_of(v, depth + 1) for v in value]
    if hasattr(value, "named_parameters"):
        return {k: _state_of(p, depth + 1) for k, p in value.named_parameters()}
    if isinstance(value, (int, float, str, bool, type(None))):
        return value
    return type(value).__name__


def snapshot(scope: dict) -> dict:
    state = {k: _state_of(v) for k, v in scope.items() if not k.startswith("__") and not hasattr(v, "__path__")}
    state["grad mode"] = nbt.is_grad_enabled()
    state["backend"] = str(nb.backend())
    state["DJL collector"] = id(djl._STATE.collector)
    state["MXNet recording"] = (mx_autograd.is_recording(), mx_autograd.is_training())
    state["TensorFlow tapes"] = len(tf_stack._state.stack)
    return state


def attempt(setup: str, bad: str, scope: dict):
    """Run ``setup``, then ``bad``: (exception type name, first line, the rest, state before, state after)."""
    exec(setup, scope)
    before = snapshot(scope)
    try:
        exec(bad, scope)
    except Exception as e:  # noqa: BLE001  (the exception is what is checked)
        first, _, rest = str(e).partition("\n")
        return type(e).__name__, first, rest, before, _of(snapshot(scope), before)
    return None, None, None, before, _of(snapshot(scope), before)


def _of(state: dict, before: dict) -> dict:
    """The state of what existed before the call (a name the wrong statement bound is not a change)."""
    return {k: v for k, v in state.items() if k in before}


@pytest.fixture(autouse=True)
def _close_collectors():
    yield
    if djl._STATE.collector is not None:  # a case that opened one on purpose
        djl._STATE.collector.close()


@needs_torch
@pytest.mark.parametrize("setup, bad", TORCH, ids=[b for _, b in TORCH])
def test_pytorch_misuse_raises_what_pytorch_raises_and_changes_nothing(setup, bad):
    with nb.use_backend("numpy"):
        theirs = attempt(setup, bad, {"L": real_torch})
        ours = attempt(setup, bad, {"L": nbt})
    assert theirs[0] is not None, "PyTorch accepts this: it is no misuse case"
    assert ours[:2] == theirs[:2]
    assert ours[3] == ours[4], "the failed call changed state"


@pytest.mark.parametrize("backend", ["numpy", pytest.param("torch", marks=needs_torch)])
@pytest.mark.parametrize("setup, bad, error, first", DIALECTS, ids=[c[1] for c in DIALECTS])
def test_dialect_misuse_raises_the_frameworks_error_and_changes_nothing(setup, bad, error, first, backend):
    with nb.use_backend(backend):
        kind, line, rest, before, after = attempt(setup, bad, {})
    assert (kind, line) == (error, first)
    assert before == after, "the failed call changed state"


def test_the_table_is_large_enough():
    assert len(TORCH) + len(DIALECTS) >= 100
    assert {d.splitlines()[0] for d, *_ in DIALECTS} >= {DJL.splitlines()[0], TF.splitlines()[0], MX.splitlines()[0]}
