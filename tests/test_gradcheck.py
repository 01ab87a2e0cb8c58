"""solutions.gradcheck: the numerical gradient and the relative error used by lessons and exercises."""
import numpy as np
import pytest

from solutions import numerical_gradient, rel_error


def test_numerical_gradient_of_known_function(rng):
    x, dout = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    grad = numerical_gradient(lambda z: z**3, x, dout)
    assert rel_error(grad, 3 * x**2 * dout) < 1e-7
    assert grad.shape == x.shape


def test_numerical_gradient_leaves_input_alone(rng):
    x = rng.normal(size=5).astype(np.float32)
    before = x.copy()
    numerical_gradient(np.sin, x, np.ones(5))
    assert np.array_equal(x, before)


def test_rel_error():
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([1.0], [3.0]) == pytest.approx(0.5)
    assert rel_error([0.0], [1e-12]) == pytest.approx(1e-4)  # floor of 1e-8 in the denominator
    with pytest.raises(ValueError, match="shape"):
        rel_error(np.ones(2), np.ones(3))
