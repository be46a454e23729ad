"""A plugin module that fails to import, as a plugin with a missing dependency does."""

import dcaas_demo_plugin_missing_dependency  # noqa: F401  # type: ignore[import-not-found]

SOURCE = None
