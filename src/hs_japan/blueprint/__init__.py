"""Blueprints: YAML files describing the desired HubSpot configuration."""

from hs_japan.blueprint.load import load_blueprint
from hs_japan.blueprint.model import Blueprint

__all__ = ["Blueprint", "load_blueprint"]
