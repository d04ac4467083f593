"""Thin cdktf constructs, one AWS concept per module, built from taskdef's plan.

The provider package's ``__init__`` imports all ~2,200 resource modules (about
15 s and 600 MB). Registering the package without running that ``__init__``
lets each component import just the modules it uses; the synthesized JSON is
byte-identical (tests/test_fast_import.py). ``IG_EAGER_PROVIDER_IMPORT=1`` takes
the plain path.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types

_PACKAGE = "cdktf_cdktf_provider_aws"


def _register_provider_package_lazily() -> None:
    if _PACKAGE in sys.modules:
        return
    if os.environ.get("IG_EAGER_PROVIDER_IMPORT") == "1":
        importlib.import_module(_PACKAGE)
        return
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or spec.submodule_search_locations is None:
        return  # not installed: the ordinary ImportError follows at first use
    package = types.ModuleType(_PACKAGE)
    package.__spec__ = spec
    package.__path__ = list(spec.submodule_search_locations)
    package.__file__ = spec.origin
    sys.modules[_PACKAGE] = package


_register_provider_package_lazily()
