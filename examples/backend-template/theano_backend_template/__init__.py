"""theano-backend-template: a worked example of an out-of-tree theano backend."""
