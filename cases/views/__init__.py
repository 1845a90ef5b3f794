"""Views, one module per topic; each reads through ``visible_to(request.user)``.

Re-exported here one line per module (``name as name`` marks a deliberate re-export).
"""

from .core import healthz as healthz
from .core import home as home
from .exports import export as export
from .procedures import (
    evidence_file as evidence_file,
)
from .procedures import (
    project_procedure as project_procedure,
)
from .procedures import (
    stage_evidence_upload as stage_evidence_upload,
)
from .procedures import (
    stage_mark_done as stage_mark_done,
)
