"""Run by Python at start-up in the processes the tests launch (``tests/conftest.py`` puts this
folder on their ``PYTHONPATH``): once such a process imports ``common.backend``, the strict
stand-in device is plugged in, so the scripts and notebook kernels the tests start accept
``DLFS_DEVICE=strict`` and ``--device strict`` as the test session does. A process that never
imports the backend is untouched (nothing imported here). Learners never run this file.
"""

import importlib.abc
import importlib.util
import sys


class _PlugInAfterBackend(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "common.backend":
            return None
        sys.meta_path.remove(self)  # once; and find_spec below must not come back here
        spec = importlib.util.find_spec(name)
        run_backend = spec.loader.exec_module

        def run_then_plug_in(module):
            run_backend(module)
            import strict_device

            strict_device.install()

        spec.loader.exec_module = run_then_plug_in
        return spec


sys.meta_path.insert(0, _PlugInAfterBackend())
