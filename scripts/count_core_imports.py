"""Count the imports inside functions in core/theano and the cycles among its packages (module level,
and with the imports inside functions too): `python scripts/count_core_imports.py [-v]`."""
import ast, os, sys, collections
root = next((a for a in sys.argv[1:] if not a.startswith("-")), os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "core", "theano"))
func_imports = []
edges = collections.defaultdict(set)   # pkg -> pkg (module+function level)
modedges = collections.defaultdict(set)
def pkg_of(mod):
    parts = mod.split(".")
    if parts[0] != "theano": return None
    return parts[1] if len(parts) > 1 else "theano"
def resolve(cur_mod, is_pkg, node):
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = cur_mod.split(".")
    if not is_pkg: base = base[:-1]
    if node.level:
        base = base[: len(base) - (node.level - 1)]
        m = ".".join(base + ([node.module] if node.module else []))
    else:
        m = node.module
    if node.module is None:
        return [m + "." + a.name for a in node.names]
    return [m]
for dp, dn, fn in os.walk(root):
    for f in fn:
        if not f.endswith(".py"): continue
        p = os.path.join(dp, f)
        rel = os.path.relpath(p, os.path.dirname(root))[:-3].replace(os.sep, ".")
        is_pkg = rel.endswith("__init__")
        mod = rel[: -len(".__init__")] if is_pkg else rel
        tree = ast.parse(open(p).read())
        infunc = set()
        for n in ast.walk(tree):
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for s in ast.walk(n):
                    if isinstance(s, (ast.Import, ast.ImportFrom)):
                        infunc.add(id(s))
        for n in ast.walk(tree):
            if isinstance(n, (ast.Import, ast.ImportFrom)):
                if id(n) in infunc:
                    func_imports.append((p, n.lineno, ast.unparse(n)))
                for t in resolve(mod, is_pkg, n):
                    a, b = pkg_of(mod), pkg_of(t or "")
                    if b and a != b:
                        edges[a].add(b)
                        if id(n) not in infunc: modedges[a].add(b)
print("function-level imports:", len(func_imports))
by = collections.Counter(os.path.relpath(p, root).split(os.sep)[0] for p, _, _ in func_imports)
print("  by package:", dict(by.most_common()))
def sccs(g):
    idx, low, st, on, out, c = {}, {}, [], set(), [], [0]
    nodes = set(g) | {b for v in g.values() for b in v}
    sys.setrecursionlimit(10000)
    def sc(v):
        idx[v] = low[v] = c[0]; c[0] += 1; st.append(v); on.add(v)
        for w in g.get(v, ()):
            if w not in idx: sc(w); low[v] = min(low[v], low[w])
            elif w in on: low[v] = min(low[v], idx[w])
        if low[v] == idx[v]:
            comp = []
            while True:
                w = st.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1: out.append(sorted(comp))
    for v in sorted(nodes):
        if v not in idx: sc(v)
    return out
def pairs(g):
    return sorted({tuple(sorted((a, b))) for a in g for b in g[a] if a in g.get(b, ())})
for name, g in (("all", edges), ("module-level", modedges)):
    print(name, "SCCs:", sccs(g))
    print(name, "2-cycles:", len(pairs(g)), pairs(g))
if "-v" in sys.argv:
    for x in func_imports: print(*x)
