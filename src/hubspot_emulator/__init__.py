"""A local HubSpot portal emulator: an independent implementation of the HubSpot APIs
hs-japan uses, written from ``shared/hubspot-api/NOTES.md`` and HubSpot's OpenAPI files.

It must not import the engine (anything in ``hs_japan`` outside this package): the
engine and the emulator would otherwise agree by construction and prove nothing.
"""

from hubspot_emulator.server import EmulatorServer, serve

__all__ = ["EmulatorServer", "serve"]
