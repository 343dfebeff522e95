"""common.autograd against PyTorch 2.13 (CPU, float64): every case of issue 21.

Each test gives PyTorch's answer in a comment beside it, with the expression that
printed it (``torch`` and ``F = torch.nn.functional``; ``T(v)`` stands for
``torch.tensor(v, dtype=torch.float64, requires_grad=True)``), or the one-line
error that the engine gives where PyTorch refuses too or the answer would be wrong.
PyTorch itself is not needed to run them.
"""

import threading

from common import autograd as ag
from common.autograd import Variable, no_grad

import numpy as np
import pytest

SCORES = np.array([[0.5, -1.0, 2.0, 0.0], [1.0, 2.0, 3.0, 4.0]])


# 1, 2. Only floating-point data can have a gradient.
@pytest.mark.parametrize(
    "data",
    [True, np.array([True, False]), 3, np.array([100, 50], np.int8), np.array([200], np.uint8)],
    ids=["True", "bool array", "int", "int8", "uint8"],
)
def test_only_floating_point_variables_get_gradients(data):
    # torch.tensor(True, requires_grad=True) and torch.tensor([100, 50], dtype=torch.int8,
    # requires_grad=True): RuntimeError "Only Tensors of floating point and complex dtype
    # can require gradients"
    with pytest.raises(TypeError, match="Variable: only floating-point data can have a gradient"):
        Variable(data)


def test_integer_and_boolean_constants_are_promoted_as_numpy_does():
    x = Variable(np.array([1.5, 2.0]))
    y = x * np.array([100, 50], np.int8) + Variable(np.array([True, False]), requires_grad=False)
    y.sum().backward()
    # T([1.5, 2.]) * torch.tensor([100, 50], dtype=torch.int8) + torch.tensor([True, False])
    # -> [151., 100.]; its sum's gradient [100., 50.]
    assert y.dtype == np.float64 and np.array_equal(y.data, [151.0, 100.0])
    assert np.array_equal(x.grad, [100.0, 50.0])


# 3. A gradient has its variable's dtype.
def test_a_gradient_has_its_variables_dtype():
    a = Variable(np.array([1.5, 2.0], np.float32))
    b = Variable(np.array([3.0, 4.0]))
    (a * b).sum().backward()
    # a = torch.tensor([1.5, 2.], dtype=torch.float32, requires_grad=True); b = T([3., 4.]);
    # (a * b).sum().backward(): a.grad float32 [3., 4.], b.grad float64 [1.5, 2.]
    assert a.grad.dtype == np.float32 and np.array_equal(a.grad, [3.0, 4.0])
    assert b.grad.dtype == np.float64 and np.array_equal(b.grad, [1.5, 2.0])


def test_a_gradient_keeps_its_dtype_through_a_float64_constant_and_create_graph():
    x = Variable(np.array([1.0, 2.0], np.float32))
    (x * np.array(3.0) * x).sum().backward(create_graph=True)
    assert x.grad.dtype == np.float32  # 6x = [6, 12]
    assert np.array_equal(x.grad.data, [6.0, 12.0])
    first = x.grad
    x.cleargrad()
    first.sum().backward()
    assert x.grad.dtype == np.float32 and np.array_equal(x.grad, [6.0, 6.0])


# 4. The seed dL/dy = 1 only for one value.
def test_backward_of_a_non_scalar_needs_an_explicit_gradient():
    x = Variable(np.arange(6.0).reshape(2, 3))
    y = x * x
    # y.backward() with y of shape (2, 3): RuntimeError "grad can be implicitly created
    # only for scalar outputs"
    with pytest.raises(RuntimeError, match=r"is not one value.*\.sum\(\)\.backward\(\)"):
        y.backward()
    assert x.grad is None
    y.backward(gradient=np.ones((2, 3)))
    # y.backward(torch.ones(2, 3)): x.grad = 2x = [[0, 2, 4], [6, 8, 10]]
    assert np.array_equal(x.grad, 2 * np.arange(6.0).reshape(2, 3))


def test_a_one_element_result_and_a_leaf_take_the_implicit_seed():
    x = Variable(np.array([3.0]))
    (x * x).backward()  # one value of shape (1,): T([3.]) ** 2 -> grad [6.]
    assert np.array_equal(x.grad, [6.0])
    leaf = Variable(3.0)
    leaf.backward()  # x = T(3.); x.backward(): x.grad = 1.
    assert float(leaf.grad) == 1.0


def test_a_pytorch_style_positional_seed_is_refused():
    x = Variable(np.array(2.0))
    # (x * x).backward(torch.tensor(3.)): x.grad = 12.; here the first argument is
    # retain_grad, so a seed given there would silently be taken for True
    with pytest.raises(TypeError, match="retain_grad and create_graph are True or False"):
        (x * x).backward(np.array(3.0))
    (x * x).backward(gradient=np.array(3.0))
    assert float(x.grad) == 12.0


def test_a_seed_of_the_wrong_shape_is_refused_at_the_door():
    x = Variable(np.ones((2, 3)))
    # y.backward(torch.ones(4)): RuntimeError "Mismatch in shape: grad_output[0] has a shape
    # of torch.Size([4]) and output[0] has a shape of torch.Size([2, 3])"
    with pytest.raises(ValueError, match=r"gradient has shape \(4,\), expected \(2, 3\)"):
        (x * x).backward(gradient=np.ones(4))


def test_a_grad_set_by_hand_on_the_result_is_not_the_seed():
    x = Variable(np.array(2.0))
    y = x * x
    y.grad = np.ones(4)  # ignored, as by PyTorch: the seed is 1
    y.backward()
    assert float(x.grad) == 4.0


# 5, 6. Each pass starts from its own seed; retained gradients add up, never feed a pass.
def test_backward_twice_with_retained_gradients_adds_the_same_amount():
    x = Variable(np.array(2.0))
    y = x * x
    z = y * 3
    z.backward(retain_grad=True)
    z.backward(retain_grad=True)
    # x = T(2.); y = x * x; y.retain_grad(); z = y * 3; z.backward(retain_graph=True);
    # z.backward(): x.grad = 24., y.grad = 6.
    assert float(x.grad) == 24.0
    assert float(y.grad) == 6.0


def test_a_retained_gradient_is_not_the_seed_of_a_later_backward():
    x = Variable(np.array(2.0))
    y = x * x
    z = y * 3
    z.backward(retain_grad=True)
    x.cleargrad()
    y.backward()
    # ... z.backward(retain_graph=True); x.grad = None; y.backward(): x.grad = 4.
    assert float(x.grad) == 4.0


# 7. Gradients are arrays of their own, writable.
def test_two_variables_never_share_a_gradient_array():
    a, b = Variable(np.array([1.0, 2.0])), Variable(np.array([3.0, 4.0]))
    s = a + b
    (s * s).sum().backward()
    # a.grad is b.grad -> False; both [8., 12.]
    assert a.grad is not b.grad
    a.grad *= 0.5
    assert np.array_equal(a.grad, [4.0, 6.0]) and np.array_equal(b.grad, [8.0, 12.0])


def test_gradients_can_be_clipped_and_zeroed_in_place():
    x = Variable(np.ones(3))
    x.sum().backward()  # the gradient of a sum is a broadcast of one number
    x.grad *= 0.5  # x.grad *= 0.5 -> [0.5, 0.5, 0.5]
    assert np.array_equal(x.grad, [0.5, 0.5, 0.5])
    x.grad[...] = 0
    assert np.array_equal(x.grad, [0.0, 0.0, 0.0])
    a = Variable(2.0)
    (a * a).backward()
    a.grad[...] = 0  # 0-d too
    assert float(a.grad) == 0.0
    (a * a).backward()
    assert float(a.grad) == 4.0  # added to the zeroed gradient


# 8. Labels: the same rules, through the same checks, as SoftmaxWithLoss.
def test_integer_labels_as_a_row_that_is_not_one_hot_are_refused():
    scores = Variable(np.array([0.5, -1.0, 2.0, 0.0]))
    # F.cross_entropy(torch.tensor([.5, -1, 2, 0]), torch.tensor([3, 0, 1, 2])): RuntimeError
    # "Expected floating point type for target with class probabilities, got Long"
    with pytest.raises(ValueError, match=r"integer labels t of shape \(1, 4\) .* not every row"):
        ag.softmax_cross_entropy(scores, np.array([3, 0, 1, 2]))
    with pytest.raises(ValueError, match="not every row is one 1 and zeros"):
        ag.softmax_cross_entropy(Variable(SCORES), np.array([[0, 0, 0, 1], [1, 1, 0, 0]]))


@pytest.mark.parametrize(
    "t",
    [[3, 0], np.array([3, 0]), np.eye(4)[[3, 0]], np.eye(4, dtype=np.uint8)[[3, 0]]],
    ids=["list", "indices", "float one-hot", "integer one-hot"],
)
def test_labels_in_every_accepted_form_give_pytorchs_loss_and_gradient(t):
    x = Variable(SCORES.copy())
    loss = ag.softmax_cross_entropy(x, t)
    loss.backward()
    # x = T([[.5, -1, 2, 0], [1, 2, 3, 4]]); F.cross_entropy(x, torch.tensor([3, 0]))
    # -> 2.8912696404755085; x.grad = (softmax(x) - one-hot rows) / 2
    # (integer one-hot rows: PyTorch refuses them; the engine, like SoftmaxWithLoss, reads them)
    assert float(loss.data) == pytest.approx(2.8912696404755085, rel=1e-14)
    p = np.exp(SCORES) / np.exp(SCORES).sum(axis=1, keepdims=True)
    assert np.allclose(x.grad, (p - np.eye(4)[[3, 0]]) / 2, atol=1e-15)


@pytest.mark.parametrize("t", [3, np.array(3), np.array([3]), np.eye(4)[3]])
def test_one_example_takes_an_index_or_a_row(t):
    loss = ag.softmax_cross_entropy(Variable(np.array([0.5, -1.0, 2.0, 0.0])), t)
    # F.cross_entropy(T([.5, -1, 2, 0]), torch.tensor(3)) -> 2.342349582389822
    assert float(loss.data) == pytest.approx(2.342349582389822, rel=1e-14)


@pytest.mark.parametrize("device", ["cpu", "strict"])
@pytest.mark.parametrize("bad", [[3, -1], [3, 4]])
def test_out_of_range_labels_give_one_line_on_every_device(device, bad):
    from common import backend

    # F.cross_entropy(x, torch.tensor([3, -1])): IndexError "Target -1 is out of bounds."
    with backend.using_device(device):
        x = Variable(backend.to_device(SCORES))
        t = backend.to_device(np.array(bad))
        with pytest.raises(ValueError, match=r"labels must be class indices in 0\.\.3"):
            ag.softmax_cross_entropy(x, t)


# 9. no_grad holds for its own thread only (tests/test_autograd_properties.py: two at once).
def test_no_grad_in_another_thread_does_not_stop_recording_here():
    W = Variable(np.array([1.0, 2.0]))
    inside, leave = threading.Event(), threading.Event()

    def other():
        with no_grad():
            inside.set()
            leave.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    try:
        assert inside.wait(10)
        (W * W).sum().backward()  # the other thread is inside no_grad(); PyTorch: grad [2., 4.]
    finally:
        leave.set()
        thread.join()
    assert np.array_equal(W.grad, [2.0, 4.0])


# 10. x ** 0 has slope 0 everywhere.
def test_the_slope_of_x_to_the_zero_is_zero_at_zero():
    x = Variable(np.array([0.0, 2.0]))
    (x**0).sum().backward()
    # x = T([0., 2.]); (x ** 0).sum().backward(): x.grad = [0., 0.]
    assert np.array_equal(x.grad, [0.0, 0.0])
    z = Variable(0.0)
    (z**0).backward()  # T(0.) ** 0 -> grad 0. (not nan)
    assert float(z.grad) == 0.0


# 11. NumPy arrays of Variables, comparisons and truth values.
def test_numpy_does_not_silently_make_an_object_array_of_variables():
    # np.array([T(1.), T(2.)]): RuntimeError "Can't call numpy() on Tensor that requires grad"
    with pytest.raises(TypeError, match=r"NumPy would lose the graph; use its \.data"):
        np.array([Variable(1.0), Variable(2.0)])


def test_comparisons_are_elementwise_on_the_values():
    x = Variable(np.array([1.0, 2.0]))
    # T([1., 2.]) == torch.tensor([1., 3.]) -> tensor([True, False])
    assert np.array_equal(x == np.array([1.0, 3.0]), [True, False])
    assert np.array_equal(np.array([1.0, 3.0]) == x, [True, False])
    assert np.array_equal(x != Variable(np.array([1.0, 3.0])), [False, True])
    assert np.array_equal(x < 2, [True, False]) and np.array_equal(x >= 2, [False, True])
    assert len({x, Variable(np.array([1.0, 2.0]))}) == 2  # still usable in a set


def test_the_truth_value_of_one_number_and_the_refusal_for_more():
    assert bool(Variable(0.0)) is False  # bool(T(0.)) -> False
    assert bool(Variable(np.array([2.0]))) is True
    # bool(T([0., 1.])): RuntimeError "Boolean value of Tensor with more than one value is
    # ambiguous"
    with pytest.raises(ValueError, match="the truth value of 2 values is ambiguous"):
        bool(Variable(np.array([0.0, 1.0])))


# The errors that did not say what was wrong.
def test_a_constant_made_from_a_number_is_an_array_like_any_other():
    c = Variable(3.0, requires_grad=False)
    assert c.dtype == np.float64 and c.shape == () and c.T.shape == ()
    assert float(c.sum().data) == 3.0 and c.reshape(1).shape == (1,)


def test_shapes_and_axes_as_lists_are_accepted():
    x = Variable(np.arange(6.0))
    assert x.reshape([2, 3]).shape == (2, 3)  # T(...).reshape([2, 3]) -> (2, 3)
    y = x.reshape(2, 3)
    s = y.sum(axis=[0, 1])  # T(...).sum(axis=[0, 1]) -> 15.
    assert float(s.data) == 15.0
    s.backward()
    assert np.array_equal(x.grad, np.ones(6))
    assert y.transpose([1, 0]).shape == (3, 2)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda x: x.sum(axis=1.5), r"Variable\.sum: axis must be integers, got \(1\.5,\)"),
        (lambda x: x.reshape(2.0, 3), r"Variable\.reshape: shape must be integers"),
        (lambda x: x.transpose(1.0, 0), r"Variable\.transpose: axes must be integers"),
        (lambda x: x.sum(out=np.zeros(3)), r"Variable\.sum: dtype= and out= are not supported"),
    ],
    ids=["sum axis 1.5", "reshape 2.0", "transpose 1.0", "sum out"],
)
def test_bad_shapes_and_axes_get_one_line(call, message):
    # T(...).sum(axis=1.5): TypeError "sum() received an invalid combination of arguments"
    with pytest.raises(TypeError, match=message):
        call(Variable(np.ones((2, 3))))


def test_np_sum_of_a_variable_is_a_differentiable_sum():
    x = Variable(np.array([1.0, 2.0, 3.0]))
    s = np.sum(x)
    assert isinstance(s, Variable) and float(s.data) == 6.0
    s.backward()
    assert np.array_equal(x.grad, [1.0, 1.0, 1.0])


@pytest.mark.parametrize(
    "data, message",
    [
        (np.array(["a", "b"]), "data must be numbers, got an array of dtype <U1"),
        (np.array([1.0, None], dtype=object), "data must be numbers, got an array of dtype object"),
        (np.array([1 + 2j]), "data must be numbers, got an array of dtype complex128"),
        ("abc", "data must be an array or a number, got str"),
    ],
    ids=["strings", "objects", "complex", "a string"],
)
def test_arrays_of_non_numbers_are_refused_at_construction(data, message):
    for requires_grad in (True, False):
        with pytest.raises(TypeError, match=f"Variable: {message}"):
            Variable(data, requires_grad=requires_grad)


def test_the_pytorch_style_update_changes_the_leaf_in_place_under_no_grad():
    W = Variable(np.array([1.0, 2.0]))
    data = W.data
    for _ in range(2):
        W.cleargrad()
        (W * W).sum().backward()
        with no_grad():
            W -= 0.1 * W.grad
    # W = T([1., 2.]); twice: W.grad = None; (W * W).sum().backward();
    # with torch.no_grad(): W -= 0.1 * W.grad  ->  W = [0.64, 1.28]
    assert np.allclose(W.data, [0.64, 1.28], rtol=0, atol=1e-15)
    assert W.data is data and W.creator is None  # the same leaf, updated in place


def test_an_in_place_update_of_a_leaf_outside_no_grad_is_refused():
    W = Variable(np.array([1.0, 2.0]))
    # W = T([1., 2.]); W -= 1: RuntimeError "a leaf Variable that requires grad is being used
    # in an in-place operation."
    with pytest.raises(RuntimeError, match=r"in-place update of a leaf.*with no_grad\(\)"):
        W -= 1
    assert np.array_equal(W.data, [1.0, 2.0])


def test_in_place_operators_on_results_make_new_variables_with_the_same_gradient():
    x = Variable(np.array([1.0, 2.0]))
    y = x * 2
    y += 1  # PyTorch records an in-place add; here a new Variable: the same value and gradient
    y *= 3
    y.sum().backward()
    # x = T([1., 2.]); y = x * 2; y += 1; y *= 3; y.sum().backward(): y = [9., 15.],
    # x.grad = [6., 6.]
    assert np.array_equal(y.data, [9.0, 15.0]) and np.array_equal(x.grad, [6.0, 6.0])
