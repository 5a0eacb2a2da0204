"""hs-japan: HubSpot configuration as code for B2B teams selling in Japan."""

__version__ = "0.2.0"
