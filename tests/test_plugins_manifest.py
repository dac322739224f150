"""plugins.toml, the manifest of the in-repo backends, against each backend's pyproject.toml."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = tomllib.loads((ROOT / "plugins.toml").read_text())
BACKENDS = sorted(MANIFEST.get("backends", {}).items())


def test_manifest_header_matches_the_core():
    from theano.backend import API_VERSION
    from theano.backend.registry import ENTRY_POINT_GROUP

    assert MANIFEST["entry_point_group"] == ENTRY_POINT_GROUP
    assert MANIFEST["api_version"] == API_VERSION
    assert BACKENDS, "plugins.toml lists no backend"


def test_numpy_reference_backend_is_listed():
    assert MANIFEST["backends"]["numpy"]["ci_tier"] == "always"


@pytest.mark.parametrize("name,entry", BACKENDS, ids=[b[0] for b in BACKENDS])
def test_backend_entry_matches_its_pyproject(name, entry):
    required = {"folder", "distribution", "entry_point", "priority", "needs", "ci_tier",
                "expected_failures"}
    assert required <= set(entry), f"{name}: missing {sorted(required - set(entry))}"
    folder = ROOT / entry["folder"]
    assert folder.is_dir(), f"{name}: folder {entry['folder']} does not exist"
    pyproject = tomllib.loads((folder / "pyproject.toml").read_text())
    project = pyproject["project"]
    assert project["name"] == entry["distribution"]
    eps = project.get("entry-points", {}).get(MANIFEST["entry_point_group"], {})
    assert eps.get(name) == entry["entry_point"], \
        f"{name}: pyproject declares {eps} in group {MANIFEST['entry_point_group']}"
    # the entry module is a file of the distribution's package
    module = entry["entry_point"].split(":")[0]
    assert (folder / (module.replace(".", "/") + ".py")).is_file(), f"{name}: no module {module}"
    assert (ROOT / entry["expected_failures"]).is_file()
    assert Path(entry["expected_failures"]).is_relative_to(entry["folder"])
    assert entry["ci_tier"] in ("always", "gpu")
    assert isinstance(entry["priority"], int) and isinstance(entry["needs"], list)
    # the distribution depends on the core, and the core never on it
    deps = " ".join(project.get("dependencies", []))
    assert "theano-core" in deps
    core = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert entry["distribution"] not in " ".join(core.get("dependencies", []))


@pytest.mark.parametrize("name,entry", BACKENDS, ids=[b[0] for b in BACKENDS])
def test_declared_priority_matches_the_record(name, entry):
    import importlib

    from theano.backend import registry

    if name not in registry.records:
        pytest.skip(f"{entry['distribution']} is not installed here")
    module = importlib.import_module(entry["entry_point"].split(":")[0])
    records = module.theano_backends()
    rec = next(r for r in records if r.name == name)
    assert rec.priority == entry["priority"]
