"""A LeNet-style network (conv + max-pool twice, a tanh layer, softmax) learns synthetic digits."""
import numpy as np

import theano
import theano.tensor as T
from theano.tensor.nnet import categorical_crossentropy, conv2d, softmax
from theano.tensor.signal.pool import pool_2d


def synthetic_digits(n, n_classes=4, seed=0):
    """28x28 float32 images: each class a fixed random blob pattern, plus noise."""
    rng = np.random.RandomState(seed)
    protos = (rng.rand(n_classes, 28, 28) > 0.8).astype("float32")
    y = rng.randint(0, n_classes, size=n)
    x = protos[y] + 0.3 * rng.randn(n, 28, 28).astype("float32")
    return x[:, None].astype("float32"), y.astype("int64")


def build_lenet(rng, n_classes=4):
    def param(shape, scale, name):
        return theano.shared((rng.randn(*shape) * scale).astype("float32"), name)

    params = [param((4, 1, 5, 5), 0.2, "W1"), theano.shared(np.zeros(4, "float32"), "b1"),
              param((6, 4, 5, 5), 0.1, "W2"), theano.shared(np.zeros(6, "float32"), "b2"),
              param((6 * 4 * 4, 32), 0.1, "W3"), theano.shared(np.zeros(32, "float32"), "b3"),
              param((32, n_classes), 0.1, "W4"), theano.shared(np.zeros(n_classes, "float32"), "b4")]
    W1, b1, W2, b2, W3, b3, W4, b4 = params
    x, y = T.ftensor4("x"), T.lvector("y")
    h1 = pool_2d(T.tanh(conv2d(x, W1, filter_shape=(4, 1, 5, 5)) + b1.dimshuffle("x", 0, "x", "x")),
                 ws=(2, 2), ignore_border=True)                                   # (n, 4, 12, 12)
    h2 = pool_2d(T.tanh(conv2d(h1, W2) + b2.dimshuffle("x", 0, "x", "x")), ws=(2, 2),
                 ignore_border=True)                                              # (n, 6, 4, 4)
    h3 = T.tanh(T.dot(h2.flatten(2), W3) + b3)
    p = softmax(T.dot(h3, W4) + b4)
    loss = categorical_crossentropy(p, y).mean()
    grads = T.grad(loss, params)
    lr = np.float32(0.2)
    step = theano.function([x, y], loss, updates=[(q, q - lr * g) for q, g in zip(params, grads)])
    evaluate = theano.function([x, y], loss)
    return step, evaluate, params


def test_lenet_loss_goes_down():
    x, y = synthetic_digits(32)
    step, evaluate, params = build_lenet(np.random.RandomState(1))
    before = float(evaluate(x, y))
    assert np.isfinite(before)
    losses = [float(step(x, y)) for _ in range(25)]
    after = float(evaluate(x, y))
    assert all(np.isfinite(losses))
    assert params[0].get_value().dtype == np.float32
    assert after < 0.7 * before, (before, losses, after)
    assert losses[-1] < losses[0]
