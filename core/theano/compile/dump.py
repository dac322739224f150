"""`function_dump`: save the arguments of a theano.function call, to reproduce a problem elsewhere."""
from __future__ import annotations

import pickle

__all__ = ["function_dump"]


def function_dump(filename: str, inputs, outputs=None, mode=None, updates=None, givens=None,
                  no_default_updates=False, accept_inplace=False, name=None, rebuild_strict=True,
                  allow_input_downcast=None, profile=None, on_unused_input=None,
                  extra_tag_to_remove=None) -> None:
    """Pickle the arguments of a theano.function call into `filename`; load them with
    `pickle.load` and call `theano.function(**d)` to rebuild the function."""
    d = dict(inputs=inputs, outputs=outputs, mode=mode, updates=updates, givens=givens,
             no_default_updates=no_default_updates, accept_inplace=accept_inplace, name=name,
             rebuild_strict=rebuild_strict, allow_input_downcast=allow_input_downcast, profile=profile,
             on_unused_input=on_unused_input)
    with open(filename, "wb") as f:
        pickle.dump(d, f, protocol=pickle.HIGHEST_PROTOCOL)
