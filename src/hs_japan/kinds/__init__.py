"""The kind registry: one handler per resource kind (``kinds/base.py`` has the interface).

Importing this package registers the built-in kinds, in build order. The engine, the
differ, the write order and apply ask :func:`handler_for` / :func:`handlers` and never
name a kind; each kind's knowledge lives in its module:

========================  =============================  ==============================
kind                      handler module                 portal/ (I/O) it names
========================  =============================  ==============================
``property_group``        ``kinds/properties.py``        ``portal/facts.py``, ``write.py``
``property``              ``kinds/properties.py``        ``portal/facts.py``, ``write.py``
``property_validation``   ``kinds/property_validation``  ``portal/validations.py``
``association_label``     ``kinds/association_label``    ``portal/association_labels.py``
``pipeline``              ``kinds/pipelines.py``         ``portal/facts.py``, ``write.py``
``stage``                 ``kinds/pipelines.py``         ``portal/facts.py``, ``write.py``
``list``                  ``kinds/lists.py``             ``portal/lists.py``
``workflow``              ``kinds/workflows.py``         ``portal/flows.py``, ``read.py``
========================  =============================  ==============================
"""

from __future__ import annotations

from hs_japan.kinds.association_label import AssociationLabelHandler
from hs_japan.kinds.base import (
    Facts,
    KindHandler,
    Read,
    Resolution,
    WriteContext,
    handler_for,
    handlers,
    register,
    unregister,
)
from hs_japan.kinds.lists import ListHandler
from hs_japan.kinds.pipelines import PipelineHandler, StageHandler
from hs_japan.kinds.properties import PropertyGroupHandler, PropertyHandler
from hs_japan.kinds.property_validation import PropertyValidationHandler
from hs_japan.kinds.workflows import WorkflowHandler

for _handler in (
    PropertyGroupHandler(),
    PropertyHandler(),
    PropertyValidationHandler(),
    AssociationLabelHandler(),
    PipelineHandler(),
    StageHandler(),
    ListHandler(),
    WorkflowHandler(),
):
    register(_handler)

__all__ = [
    "Facts",
    "KindHandler",
    "Read",
    "Resolution",
    "WriteContext",
    "handler_for",
    "handlers",
    "register",
    "unregister",
]
