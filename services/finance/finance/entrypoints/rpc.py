"""RPC for other services: public views of a project and of a listed financing need."""
import json

from ttp_common import web
from ttp_common.rpc import rpc

from ..documents import FinancingProject, TransformationProject
from ..projects import PUBLIC_STATUSES


def _plain(document):
    """The API view of a document as plain JSON values (what RPC callers get), or None."""
    return None if document is None else json.loads(web.dumps(document.public()))


class RpcEntrypoints:
    """RPC."""

    @rpc
    def get_transformation_project(self, project_id):
        """Public view of an approved, running or completed project, or None."""
        return _plain(self.store.find_one(TransformationProject, {"_id": str(project_id),
                                                                  "status": {"$in": list(PUBLIC_STATUSES)}}))

    @rpc
    def get_financing_project_summary(self, financing_project_id):
        """A listed financing project, or None (also for a withdrawn one)."""
        return _plain(self.store.find_one(FinancingProject, {"_id": str(financing_project_id), "status": "listed"}))
