"""Bring your own model: reading other frameworks' files as exact networks.

One entry point, :func:`relugeom.load_network` (:mod:`.loading`), detects the format of a file
by its content; one module per format reads it into a :class:`~.chain.Chain` of affine layers
(:mod:`.pytorch`, :mod:`.onnx_graph`, :mod:`.keras_h5`, :mod:`.named_arrays`), which
:mod:`.chain` checks against the framework's own forward pass.

This package imports nothing at its top so that :mod:`relugeom.model.shallow` and
:mod:`relugeom.model.deep` can use :mod:`.pytorch` for their ``from_torch``.
"""
