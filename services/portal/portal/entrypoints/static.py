"""The portal's own stylesheet and scripts, and the chart library installed by ``make portal-assets`` (npm)."""
import mimetypes

from pathlib import Path

from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from ttp_common.web import http

from ..settings import PACKAGE_DIR

OWN = PACKAGE_DIR / "static"
VENDOR = {"echarts.min.js": ("echarts", "dist", "echarts.min.js")}
TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}


def _file(path):
    if path is None or not path.is_file():
        return Response("not found", status=404, content_type="text/plain; charset=utf-8")
    kind = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return Response(path.read_bytes(), status=200, content_type=kind,
                    headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"})


class StaticEntrypoints:
    @http("GET", "/static/<string:name>")
    def static_file(self, request, name):
        joined = safe_join(str(OWN), name)
        return _file(Path(joined) if joined else None)

    @http("GET", "/static/vendor/<string:name>")
    def vendor_file(self, request, name):
        parts = VENDOR.get(name)
        return _file(self.runtime.settings.assets_dir.joinpath(*parts) if parts else None)
