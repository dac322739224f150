"""Collect the CUDA source of every kernel the conformance cases produce, and compile it with
NVRTC and the cuda backend's own options (what the GPU will run; see nvrtcbuild) and with
nvcc --ptx as a second opinion, batched and cached, so generated CUDA is checked on machines
with no GPU.

Collection: a recording backend (host-native, it runs graphs with the reference) is
registered for the duration; the conformance catalog runs on it, so every graph the suite
builds (op cases, their gradients, function scenarios) is rewritten for FAST_RUN with the
cuda backend's tags and planned with the cuda backend's own lowering table. Each elementwise
or fused node's Kernel is rendered with the CUDA dialect, each reduction with the generated
reduction kernel (and the second pass of its split form).
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nvrtcbuild
from theano.compile.compiledir import CompileDir
from theano.scalar import basic as scal
from theano_cuda import lowering

NVCC = shutil.which("nvcc") or ("/usr/local/cuda/bin/nvcc" if os.path.exists("/usr/local/cuda/bin/nvcc") else None)
ARCH = "sm_90"  # Hopper (H100/H200): the GPUs the GPU check runs on
#: The batches' sources and the marks of those that compiled, in theano's compile cache (a
#: "-src" folder: kept files, not entries), which is private to the user: a mark planted in a
#: shared temporary directory would pass a batch unchecked.
_CDIR = CompileDir()
CACHE = Path(_CDIR.root) / "cuda-check-src"


def nvrtc_options(fast_math: bool = False, arch: str = ARCH) -> tuple[str, ...]:
    """Exactly what NVRTC gets on a GPU: the backend's options, then what CuPy's
    compile_using_nvrtc adds (the architecture of the device, and CUPY_ADDS)."""
    from theano_cuda.compile_options import CUPY_ADDS, options

    return (*options(fast_math), f"-arch={arch}", *CUPY_ADDS)


@dataclass
class Source:
    """One kernel's CUDA text: what it computes (for messages) and its dtype group. `name` and
    `text` are unique in the batch build; `entry` and `compiled_text` are the name and text
    the backend itself compiles (what the GPU check's cache warm-up must build)."""

    label: str
    name: str
    text: str
    group: str
    entry: str = ""
    compiled_text: str = ""


@dataclass
class Collection:
    sources: dict[str, Source] = field(default_factory=dict)  # text -> Source
    refused: dict[str, str] = field(default_factory=dict)  # kernel -> why the dialect refused
    cases: int = 0
    nodes: int = 0

    def add(self, label: str, text_of_name, group: str, entry: str) -> None:
        """Record the kernel `text_of_name(name)` renders, once; `entry` is the name the
        backend compiles it under."""
        # Rendered once with a placeholder name to find duplicates, then under its own name.
        key = text_of_name("KNAME")
        if key not in self.sources:
            name = f"k{len(self.sources)}"
            self.sources[key] = Source(label, name, text_of_name(name), group, entry, text_of_name(entry))



def warm_work(col: Collection) -> list[tuple[str, str]]:
    """(source, entry name) of every kernel in `col` exactly as the backend compiles it: the
    GPU check's cache warm-up builds these, so its compiles are the backend's cache hits."""
    return [(s.compiled_text, s.entry) for s in col.sources.values()]

def _group(dtypes) -> str:
    ds = set(dtypes)
    if "float64" in ds:
        return "float64"
    if "float32" in ds:
        return "float32"
    if "bool" in ds and len(ds) == 1:
        return "bool"
    return "int"


def record_node(col: Collection, node, planner) -> None:
    """Render what the cuda backend would compile for `node` (nothing for other ops)."""
    from theano_cuda.reduction import render_reduction, variants

    p = lowering.lower.plan(node, planner)
    renderer = planner.renderer
    work = p.payload
    col.nodes += 1
    if work is not None and work.kernel is not None:
        k = work.kernel
        col.add(str(k), lambda name: renderer.render(k, name),
                _group([a.dtype for a in k.inputs + k.outputs]), lowering.KERNEL_NAME)
        if renderer.render_flat(k, "KNAME") is not None:  # its flat kernel (biases, scalars)
            col.add(f"{k} (flat)", lambda name: renderer.render_flat(k, name),
                    _group([a.dtype for a in k.inputs + k.outputs]), lowering.FLAT_NAME)
    if work is not None and work.reduction is not None:
        for v in variants(work.reduction):
            col.add(str(v), lambda name, v=v: render_reduction(v, name),
                    _group([v.in_dtype, v.acc_dtype, v.out_dtype]), lowering.REDUCE_NAME)
    if p.fallback and ("cannot render" in p.why or "no type" in p.why or "renders no" in p.why):
        col.refused[str(node.op)] = p.why


def collect_conformance_kernels() -> Collection:
    """Run the conformance catalog on a recording backend; return every CUDA source."""
    import theano  # noqa: F401
    from theano.backend import BackendRecord, Probe, hookimpl
    from theano.backend.registry import registry
    from theano.config import config
    from theano_cuda.lowering import Planner
    from theano_conformance.catalog import all_cases
    from theano_conformance.runner import run_cases
    from theano_conformance.target import Target
    from theano_numpy_ref.backend import NumpyBackend

    col = Collection()
    planner = Planner()

    class Recorder(NumpyBackend):
        name = "cuda-sources"
        rewrite_tags = ("cuda",)  # the graphs the cuda backend is given:
        rewrite_exclude = ()  # fused, in place, with BLAS (the reference declines those)

        def link(self, fgraph):
            for node in fgraph.toposort():
                record_node(col, node, planner)
            return super().link(fgraph)

    class Plugin:
        @staticmethod
        @hookimpl
        def theano_backends():
            return [BackendRecord(name="cuda-sources", api_version=1, priority=-100,
                                  device_prefixes=("cuda-sources",),
                                  probe=lambda: Probe(True, devices=["cuda-sources"]),
                                  factory=lambda dev: Recorder(dev))]

    registry.register_plugin("cuda-sources", Plugin, config)
    try:
        target = Target.resolve("cuda-sources")
        cases = all_cases()
        col.cases = len(cases)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run_cases(cases, target)
    finally:
        registry.unregister_plugin("cuda-sources")
    return col


def standard_reductions(col: Collection) -> None:
    """Every reduction op over every dtype the dialect has, on a few axis patterns, so a
    reduction the catalog happens not to build is still compiled."""
    from theano.kernel.render import RenderError
    from theano_cuda.reduction import ReductionSpec, render_reduction, variants

    acc_of = {"bool": "int64", "int8": "int64", "int16": "int64", "int32": "int64", "int64": "int64",
              "uint8": "uint64", "uint16": "uint64", "uint32": "uint64", "uint64": "uint64",
              "float32": "float64", "float64": "float64"}
    for dt, acc in acc_of.items():
        for nd, axes in ((1, (0,)), (2, (1,)), (3, (0, 2)), (2, ())):
            specs = [ReductionSpec(dt, nd, axes, scal.Add, acc, acc if dt not in ("float32",) else dt),
                     ReductionSpec(dt, nd, axes, scal.Mul, acc, acc if dt not in ("float32",) else dt),
                     ReductionSpec(dt, nd, axes, scal.Maximum, dt, dt),
                     ReductionSpec(dt, nd, axes, scal.Minimum, dt, dt),
                     ReductionSpec(dt, nd, axes, scal.AND, "bool", "bool"),
                     ReductionSpec(dt, nd, axes, scal.OR, "bool", "bool")]
            for s in specs:
                try:
                    for v in variants(s):
                        col.add(str(v), lambda name, v=v: render_reduction(v, name),
                                _group([v.in_dtype, v.acc_dtype, v.out_dtype]), lowering.REDUCE_NAME)
                except RenderError:
                    pass


@dataclass
class BuildResult:
    group: str
    n_kernels: int
    ok: bool
    cached: bool
    log: str
    failing: list[str]
    path: str


def _batch(sources: list[Source]) -> tuple[str, list[tuple[int, int, Source]]]:
    """One .cu text holding every source, each in its own namespace (helpers of the same
    name in two kernels then do not clash); and the line range of each."""
    lines: list[str] = []
    where = []
    for s in sources:
        start = len(lines) + 1
        lines.append(f"namespace ns_{s.name} {{")
        lines.extend(s.text.splitlines())
        lines.append(f"}}  // namespace ns_{s.name}")
        where.append((start, len(lines), s))
    return "\n".join(lines) + "\n", where


#: nvcc's options as the second opinion. NVRTC's check compiles exactly what the GPU runs (its
#: front end, its optimizer, and ptxas to a cubin); nvcc is another release's front end, read
#: for its errors and warnings, and the code its optimizer would make never runs anywhere, so
#: it is not optimized (-Xcicc -O0: 3.3 -> 0.95 s a batch, the same diagnostics).
NVCC_OPTIONS = ("--ptx", "-std=c++17", "-Xcicc", "-O0")


def compile_group(group: str, sources: list[Source], arch: str = ARCH, compiler: str = "nvrtc",
                  fast_math: bool = False) -> BuildResult:
    """Compile one batch with NVRTC (the backend's options) or `nvcc --ptx`; cached by the
    hash of the text, the compiler and its options. The mark of a batch that compiled keeps
    the compiler's log, so its warnings are read again when the batch comes from the cache."""
    text, where = _batch(sources)
    opts = nvrtc_options(fast_math, arch) if compiler == "nvrtc" else (*NVCC_OPTIONS, f"-arch={arch}")
    tool = f"nvrtc {nvrtcbuild.version()}" if compiler == "nvrtc" else NVCC
    key = hashlib.sha256(f"{tool}\0{opts}\0{text}".encode()).hexdigest()[:24]
    _CDIR.make_dir(str(CACHE))
    stem = f"{compiler}-{group}-{key}"
    cu, ok_mark = CACHE / f"{stem}.cu", CACHE / f"{stem}.ok"
    if ok_mark.exists():
        return BuildResult(group, len(sources), True, True, ok_mark.read_text(), [], str(cu))
    cu.write_text(text)
    if compiler == "nvrtc":
        ok, log, _ = nvrtcbuild.compile_source(text, opts, name=cu.name)
    else:
        proc = subprocess.run([NVCC, *opts, "-o", str(cu.with_suffix(".ptx")), str(cu)],
                              capture_output=True, text=True, timeout=600)
        ok, log = proc.returncode == 0, proc.stdout + proc.stderr
    failing = []
    if not ok:
        bad_lines = {int(m) for m in re.findall(r"\.cu\((\d+)\): error", log)}
        for start, end, s in where:
            if any(start <= ln <= end for ln in bad_lines):
                failing.append(f"{s.name}: {s.label}")
    else:
        tmp = ok_mark.with_suffix(".tmp")
        tmp.write_text(log)
        tmp.replace(ok_mark)  # written then renamed: a killed run never leaves a false mark
    return BuildResult(group, len(sources), ok, False, log, failing, str(cu))


def compile_all(col: Collection, arch: str = ARCH, compiler: str = "nvrtc") -> list[BuildResult]:
    groups: dict[str, list[Source]] = {}
    for s in col.sources.values():
        groups.setdefault(s.group, []).append(s)
    # Split big groups so the batches compile in parallel on several cores.
    batches = []
    for g, srcs in sorted(groups.items()):
        n = max(1, (len(srcs) + 149) // 150)
        for i in range(n):
            batches.append((f"{g}-{i}", srcs[i::n]))
    with ThreadPoolExecutor(max_workers=min(len(batches), os.cpu_count() or 2) or 1) as ex:
        return list(ex.map(lambda b: compile_group(b[0], b[1], arch, compiler), batches))
