"""Discovery of backend plugins: listing from metadata, loading through stevedore, in-process registration.

Import the submodules directly: this package's ``__init__`` stays empty so that the metadata-only listing does not
import pydantic through the registry.
"""
