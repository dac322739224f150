"""Shared by the gradient-recording scripts (scan_grads, ifelse_grads, multi_output_grads):
each cost variant's value and its gradients, all computed by one compiled function, or the
error Theano raised taking the gradient (what Theano says is part of the record).
Runs under Theano 1.0.5 in Python 3.8."""
import numpy as np


def record_variants(theano, T, inputs, values, wrt, costs):
    """{"wrt": names, "variants": {variant: {"cost", "grads"} or {"error"}}}."""
    result, flat, names = {}, [], []
    for vname, cost in costs.items():
        try:
            gs = T.grad(cost, wrt, disconnected_inputs="ignore")
        except Exception as e:  # recorded, not raised
            result[vname] = {"error": "%s: %s" % (type(e).__name__, str(e).splitlines()[0])}
            continue
        names.append(vname)
        flat += [cost] + list(gs)
    vals = theano.function(inputs, flat, on_unused_input="ignore")(*values)
    n = 1 + len(wrt)
    for k, vname in enumerate(names):
        got = vals[k * n: (k + 1) * n]
        result[vname] = {"cost": float(got[0]), "grads": [np.asarray(g, dtype="float64").tolist() for g in got[1:]]}
    return {"wrt": [str(v.name) for v in wrt], "variants": result}
