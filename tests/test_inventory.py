"""The public names of Theano 1.0.5 (tests/data/theano105/inventory.json, recorded from a real
installation by scripts/theano105/inventory.py): each is present here or deliberately absent
(theano/compat/absent_names.py) with a reason that an AttributeError/ImportError reports."""
import importlib
import json
import os
import subprocess
import sys

import pytest

import theano
from theano.compat import absent

DATA = os.path.join(os.path.dirname(__file__), "data", "theano105", "inventory.json")
with open(DATA) as f:
    INVENTORY = json.load(f)["modules"]


def status(module_name: str) -> dict[str, list[str]]:
    """{'present': [...], 'absent': [...], 'missing': [...]} for one recorded module."""
    module = importlib.import_module(module_name)
    out = {"present": [], "absent": [], "missing": []}
    listed = absent.ABSENT.get(module_name, {})
    for name in INVENTORY[module_name]:
        if name in listed:
            out["absent"].append(name)
        elif hasattr(module, name):
            out["present"].append(name)
        else:
            out["missing"].append(name)
    return out


def test_the_inventory_is_theano_105s():
    assert set(INVENTORY) >= {"theano", "theano.tensor", "theano.tensor.nnet", "theano.gof", "theano.gof.graph",
                              "theano.compile", "theano.scan_module", "theano.sparse", "theano.gpuarray",
                              "theano.tests.unittest_tools"}
    assert len(INVENTORY["theano.tensor"]) > 500


@pytest.mark.parametrize("module_name", sorted(INVENTORY))
def test_every_name_is_present_or_listed_absent(module_name):
    s = status(module_name)
    assert not s["missing"], (f"{module_name}: Theano 1.0.5 names neither present nor listed in "
                              f"theano/compat/absent_names.py: {s['missing']}")


@pytest.mark.parametrize("module_name", sorted(INVENTORY))
def test_absent_names_say_why(module_name):
    module = importlib.import_module(module_name)
    for name, reason in absent.ABSENT.get(module_name, {}).items():
        assert name in INVENTORY[module_name], f"{module_name}.{name} is listed absent but Theano 1.0.5 had no such name"
        assert not hasattr(module, name) or f"{module_name}.{name}" in {"theano.sandbox.cuda"}, \
            f"{module_name}.{name} is listed absent but is present: remove it from absent_names.py"
        with pytest.raises(AttributeError) as e:
            getattr(module, name)
        assert "deliberately absent" in str(e.value) and reason in str(e.value)


def test_absent_submodules_refuse_import_with_the_reason():
    for dotted in sorted(absent._ABSENT_MODULES):
        with pytest.raises(ImportError, match="deliberately absent"):
            importlib.import_module(dotted)


def test_importing_the_old_cuda_backend_raises_as_theano_105_did():
    # Theano 1.0.5 raised SkipTest (nose's, i.e. unittest's) with this advice; here it is also an ImportError.
    import unittest

    with pytest.raises(ImportError) as e:
        import theano.sandbox.cuda  # noqa: F401
    assert isinstance(e.value, unittest.SkipTest)
    assert "old CUDA backend was removed" in str(e.value) and "device=cuda" in str(e.value)


def test_an_unknown_name_stays_a_plain_attribute_error():
    with pytest.raises(AttributeError) as e:
        theano.tensor.no_such_name_anywhere
    assert "deliberately" not in str(e.value)


def test_gpuarray_answers_as_theano_105_without_pygpu():
    # Recorded: tests/data/theano105/behaviours.json "gpuarray".
    import theano.gpuarray
    from theano.gpuarray import dnn

    assert theano.gpuarray.pygpu is None and theano.gpuarray.pygpu_activated is False
    assert dnn.dnn_present() is False and dnn.dnn_present.msg == "PyGPU not available"
    assert dnn.dnn_available(None) is False and dnn.dnn_available.msg == "PyGPU not available"


def test_a_present_name_disappearing_fails(tmp_path):
    """The check itself: a module missing a recorded name is reported."""
    code = ("import theano.tensor as T, json, sys; del T.__dict__['stacklists']; "
            "sys.path.insert(0, %r); import test_inventory as t; print(json.dumps(t.status('theano.tensor')['missing']))"
            % os.path.dirname(__file__))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads(r.stdout.strip().splitlines()[-1]) == ["stacklists"]


def test_docs_compat_md_is_current():
    r = subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.dirname(DATA)), "..", "..", "scripts",
                                                     "compat_table.py"), "--check"], capture_output=True, text=True,
                       timeout=240)
    assert r.returncode == 0, "docs/compat.md is out of date: run python3 scripts/compat_table.py"
