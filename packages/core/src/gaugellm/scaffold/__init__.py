"""``gaugellm backends new``: write a ready-to-publish backend plugin package from a template."""

from gaugellm.scaffold.plugin import PluginNames, write_plugin_package

__all__ = ["PluginNames", "write_plugin_package"]
