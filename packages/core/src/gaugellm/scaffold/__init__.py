"""``gaugellm plugins new``: write a ready-to-publish plugin package of any kind from a template."""

from gaugellm.scaffold.plugin import PluginNames, write_plugin_package

__all__ = ["PluginNames", "write_plugin_package"]
