"""The only package that talks HTTP: HubSpot (or the local emulator) through the SDK."""
