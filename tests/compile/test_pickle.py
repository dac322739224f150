"""Pickled functions: same results, shared values come along, recompiled where the
pickled device is not available."""
import pickle
import sys
import warnings

import numpy as np
import pytest

import theano
from theano import In, tensor as T
from theano.backend import BackendRecord, Probe, hookimpl, registry

function_module = sys.modules["theano.compile.function"]


def _roundtrip(obj):
    return pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def test_pickled_function_gives_the_same_results():
    x = T.dmatrix("x")
    y = T.dvector("y")
    f = theano.function([x, y], [T.tanh(T.dot(x, y)).sum(), x.mean(axis=0)], name="net")
    g = _roundtrip(f)
    a = np.arange(6.0).reshape(2, 3)
    b = np.array([0.1, -0.2, 0.3])
    for r0, r1 in zip(f(a, b), g(a, b)):
        np.testing.assert_allclose(r0, r1)
    assert g.name == "net"


def test_pickled_function_keeps_defaults_and_names():
    x, y = T.dscalars("x", "y")
    f = theano.function([x, In(y, value=2.0, name="power")], x ** y)
    g = _roundtrip(f)
    assert g(3.0) == 9.0
    assert g(3.0, power=3.0) == 27.0
    z = T.dscalar("z")
    h = _roundtrip(theano.function([z], z * 2))
    with pytest.raises(TypeError, match="missing required input z"):
        h()  # no default survives where there was none


def test_shared_values_come_along_and_updates_keep_working():
    w = theano.shared(np.array([1.0, 2.0]), "w")
    n = theano.shared(np.int64(5), "n")
    x = T.dvector("x")
    f = theano.function([x], (w * x).sum(), updates=[(w, w + x), (n, n + 1)])
    f([1.0, 1.0])
    g = _roundtrip(f)
    # The unpickled function owns copies of the shared variables, with their values then.
    assert g([1.0, 1.0]) == 5.0
    assert g([0.0, 0.0]) == 0.0
    assert g([1.0, 0.0]) == 3.0
    # The original is unaffected by the copy's updates.
    np.testing.assert_array_equal(w.get_value(), [2.0, 3.0])
    assert n.get_value() == 6


def test_functions_pickled_together_share_their_shared_variables():
    acc = theano.shared(np.float64(0.0), "acc")
    x = T.dscalar("x")
    add = theano.function([x], [], updates=[(acc, acc + x)])
    read = theano.function([], acc * 1)
    add2, read2 = _roundtrip((add, read))
    add2(5.0)
    add2(2.0)
    assert read2() == 7.0
    assert acc.get_value() == 0.0


def test_pickled_function_with_givens_and_default_update():
    data = theano.shared(np.arange(12.0).reshape(6, 2), "data")
    i = T.lscalar("i")
    X = T.dmatrix("X")
    cnt = theano.shared(np.int64(0), "cnt")
    cnt.default_update = cnt + 1
    f = theano.function([i], X.sum() + cnt * 0, givens={X: data[i * 2:(i + 1) * 2]})
    g = _roundtrip(f)
    assert g(1) == f(1) == 4 + 5 + 6 + 7
    assert g.maker.fgraph is not f.maker.fgraph


class _FakeDevice(theano.backend.Backend):
    """A non-host backend: values are moved (copied) to and from the "device"."""

    name = "fakedev"
    host_native = False

    def to_device(self, value):
        return np.array(value, copy=True)

    def to_host(self, value):
        return np.array(value, copy=True)

    def link(self, fgraph):
        from theano_numpy_ref.backend import NumpyBackend

        return NumpyBackend(self.device).link(fgraph)


class _FakePlugin:
    @hookimpl
    def theano_backends(self):
        return [BackendRecord(name="fakedev", api_version=theano.backend.API_VERSION,
                              factory=_FakeDevice, probe=lambda: Probe(True, devices=["fakedev0"]),
                              device_prefixes=("fakedev",), version="1.0")]


@pytest.fixture
def fake_device():
    registry.register_plugin("fakedev_plugin", _FakePlugin(), theano.config)
    assert "fakedev" in registry.records
    yield "fakedev0"
    registry.unregister_plugin("fakedev_plugin")


def test_unpickled_where_the_device_is_missing_recompiles_for_cpu(fake_device):
    w = theano.shared(np.array([1.0, 2.0]), "w")
    x = T.dvector("x")
    f = theano.function([x], (w * x).sum(), updates=[(w, w * 2)], device=fake_device)
    assert f.backend.name == "fakedev"
    assert f([1.0, 1.0]) == 3.0
    blob = pickle.dumps(f)
    registry.unregister_plugin("fakedev_plugin")
    with pytest.warns(UserWarning, match="fakedev0.*cpu"):
        g = pickle.loads(blob)
    assert g.backend.name != "fakedev"
    # The shared value on the "device" came along: it was w*2 after the first call.
    assert g([1.0, 1.0]) == 6.0
    assert g([1.0, 1.0]) == 12.0


def test_unpickled_with_the_device_present_stays_on_it(fake_device):
    x = T.dvector("x")
    f = theano.function([x], x * 2, mode=theano.Mode(device=fake_device))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = _roundtrip(f)
    assert g.backend.name == "fakedev"
    np.testing.assert_array_equal(g([1.0, 2.0]), [2.0, 4.0])


def test_rebuild_falls_back_for_an_unknown_device_name():
    x = T.dvector("x")
    f = theano.function([x], x + 1)
    for spec in (dict(f.maker.spec, device="nosuchdevice7"),
                 dict(f.maker.spec, mode=theano.Mode(device="nosuchdevice7"))):
        with pytest.warns(UserWarning, match="nosuchdevice7"):
            g = function_module._rebuild_function(spec)
        np.testing.assert_array_equal(g([1.0]), [2.0])


def test_unknown_device_at_compile_time_is_an_error_listing_backends():
    x = T.dvector("x")
    with pytest.raises(theano.backend.UnknownDeviceError, match="(?s)nosuchdevice.*numpy"):
        theano.function([x], x + 1, device="nosuchdevice")


def test_pickled_shared_variable_keeps_its_value():
    s = theano.shared(np.array([[1, 2], [3, 4]], dtype="int32"), "s")
    s2 = _roundtrip(s)
    assert s2.type == s.type and s2.name == "s"
    np.testing.assert_array_equal(s2.get_value(), s.get_value())
    s2.set_value(np.zeros((1, 1), dtype="int32"))
    np.testing.assert_array_equal(s.get_value(), [[1, 2], [3, 4]])
