"""Declared HTTP endpoints: one decorator says what an operation takes and who may call it, and both the
request handling and the OpenAPI document follow from it.

    @endpoint("POST", "/api/v1/organizations", roles=(Roles.REVIEWER, Roles.ADMIN), body=OrganizationIn,
              status=201, response="Organization", summary="Register an organization (主体登记)")
    def register_organization(self, ctx):
        org = self.store.transact(organizations.register, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(org.public(), f"/api/v1/organizations/{org.id}")

Before the handler runs, the caller is authenticated (``Authorization: Bearer``; none: the anonymous public
caller), its role is checked against ``roles``, the JSON body is parsed and validated into ``body`` and the
query string into ``query`` (a ``ttp_common.models.Query``); the handler gets one ``RequestContext`` and the
path's values as keyword arguments. What it returns is answered as JSON with ``status`` (a werkzeug
``Response`` is passed through). Errors, domain refusals included, become the platform's JSON errors
(``web.api``, ``refusals.HTTP_ERRORS``).

``roles``: ``ANYONE`` (the default: anonymous callers too, e.g. public reads), ``SIGNED_IN`` (any
authenticated caller), or a tuple of ``auth.Roles``. Finer checks that need the record (an institution edits
only its own organization's records) stay in the handler or the service layer.
"""
import functools
import re
from dataclasses import dataclass, field

from pydantic import BaseModel, ValidationError

from . import auth, client_access, clock, events, web
from .errors import ValidationFailed
from .web import http

ANYONE = None
SIGNED_IN = ()
ENDPOINT_ATTRIBUTE = "ttp_endpoint"


@dataclass(frozen=True)
class Endpoint:
    """The declaration of one HTTP operation."""

    method: str
    path: str
    summary: str
    roles: tuple | None = ANYONE
    body: type | None = None
    body_required: bool = True
    query: type | None = None
    status: int = 200
    response: object = None
    described: str | None = None
    description: str | None = None
    errors: tuple = ()
    parameters: dict = field(default_factory=dict)
    max_body_bytes: int = 1_000_000
    client_scope: str | bool | None = client_access.DERIVED
    media_type: str = "application/json"
    extra_query: bool = False
    name: str = ""

    def client_scope_of(self, service):
        """The scope a client system needs here (None: closed to clients), ``ttp_common.client_access``."""
        return client_access.endpoint_scope(service, self.method, self.path, self.client_scope)


@dataclass(frozen=True)
class RequestContext:
    """What a handler gets: who calls, what they sent, and the request's one "now"."""

    request: object
    principal: auth.Principal
    body: BaseModel | None
    query: BaseModel | None
    now: object  # an aware datetime, UTC, to the millisecond (ttp_common.clock.now_ms)

    @property
    def actor(self):
        """The caller as the events name them (who, with which role and scope, from where)."""
        return events.Actor.from_principal(self.principal, ip=self.request.remote_addr)


def endpoint(method, path, *, summary, roles=ANYONE, body=None, body_required=True, query=None, status=200,
             response=None, described=None, description=None, errors=(), parameters=None, max_body_bytes=1_000_000,
             client_scope=client_access.DERIVED, media_type="application/json", extra_query=False):
    """Declare an HTTP operation (see the module docstring).

    ``body_required=False``: the body may be left out (the handler then gets ``body()``, the model's defaults).
    ``response``: the success body, as a component schema name, a pydantic model or a JSON schema;
    ``described`` its description; ``errors``: the statuses the handler itself may answer besides the
    platform's own (401/403 from ``roles``, 400/413/415 from ``body``, 400 from ``query``, 404 for a path
    with parameters, 503). ``parameters``: extra OpenAPI fields of a path or query parameter by name
    (``{"catalogue": {"schema": {"enum": [...]}, "description": "..."}}``). ``client_scope``: the scope a client
    system's token needs here instead of the one derived from the path, or ``client_access.CLOSED``.
    ``media_type``: of a success body that is not JSON (``application/pdf``: the handler returns a werkzeug
    ``Response``; documented as a binary string). A query parameter the operation does not declare is a 400 naming
    it (a mistyped filter must not silently return everything), unless ``extra_query``: a protocol endpoint that
    must ignore parameters it does not know (OAuth 2.0, RFC 6749 §3.1).
    """
    if roles is not ANYONE:
        roles = tuple(auth.Roles(role) for role in roles)

    def decorate(handler):
        spec = Endpoint(method=method.upper(), path=path, summary=summary, roles=roles, body=body,
                        body_required=body_required, query=query,
                        status=status, response=response, described=described, description=description,
                        errors=tuple(errors), parameters=dict(parameters or {}), max_body_bytes=max_body_bytes,
                        client_scope=client_scope, media_type=media_type, extra_query=extra_query,
                        name=handler.__name__)

        @functools.wraps(handler)
        def entry(self, request, **path_values):
            principal = self.principal(request)
            if self.client_scopes:
                principal = client_access.acting(principal, spec.client_scope_of(self.name), spec.roles is ANYONE)
            if spec.roles is not ANYONE:
                auth.require(principal, *spec.roles)
            parsed_body = None
            if spec.body is not None:
                given = spec.body_required or request.content_length or request.get_data(cache=True)
                parsed_body = web.parse_body(request, spec.body, spec.max_body_bytes) if given else spec.body()
            if not spec.extra_query:
                refuse_unknown_parameters(request, spec.query)
            parsed_query = parse_query(request, spec.query) if spec.query else None
            ctx = RequestContext(request, principal, parsed_body, parsed_query, clock.now_ms())
            result = handler(self, ctx, **path_values)
            return result if isinstance(result, web.Response) else web.json_response(result, status=spec.status)

        wrapped = web.api(entry)
        setattr(wrapped, ENDPOINT_ATTRIBUTE, spec)
        return http(spec.method, path)(wrapped)

    return decorate


def created(data, location):
    """A 201 answer with ``Location``."""
    return web.json_response(data, status=201, headers={"Location": location})


def refuse_unknown_parameters(request, model):
    """A 400 naming every query parameter that ``model`` (None: an operation without any) does not declare."""
    known = {info.alias or name for name, info in model.model_fields.items()} if model is not None else set()
    unknown = sorted(set(request.args) - known)
    if unknown:
        fields = [web.field_error(name, "unknown parameter: not one of this operation's"
                                        + (f" ({', '.join(sorted(known))})" if known else " (it takes none)"))
                  for name in unknown]
        raise ValidationFailed("; ".join(f"{f['path']}: {f['message']}" for f in fields), fields)


def parse_query(request, model):
    """The query string validated into ``model``: each of its fields a single value (a repeated parameter is a
    400), an empty value counting as absent (unknown parameters: ``refuse_unknown_parameters``)."""
    values = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        given = request.args.getlist(key)
        if not given or given == [""]:
            continue
        if len(given) > 1:
            raise ValidationFailed.at(key, "give this parameter once")
        values[key] = given[0]
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        fields = [web.field_error(".".join(str(part) for part in err["loc"]) or "query", err["msg"])
                  for err in exc.errors()]
        raise ValidationFailed("; ".join(f"{f['path']}: {f['message']}" for f in fields), fields) from None


# -- the OpenAPI document -------------------------------------------------------------------

_CONVERTERS = {"int": {"type": "integer"}, "float": {"type": "number"}}
_RULE_PART = re.compile(r"<(?:(\w+):)?(\w+)>")


def declared(service_cls):
    """The ``Endpoint`` declarations of a service class, in definition order of their names."""
    found = []
    for name in dir(service_cls):
        spec = getattr(getattr(service_cls, name, None), ENDPOINT_ATTRIBUTE, None)
        if isinstance(spec, Endpoint):
            found.append(spec)
    return found


def openapi_path(rule):
    """``/a/<string:x>/<int:n>`` → (``/a/{x}/{n}``, [(x, schema), (n, schema)])."""
    names = [(name, _CONVERTERS.get(converter or "string", {"type": "string"}))
             for converter, name in _RULE_PART.findall(rule)]
    return _RULE_PART.sub(lambda m: "{" + m.group(2) + "}", rule), names


def _clean(schema):
    """A pydantic property schema as an OpenAPI parameter schema: ``X | None`` as X, no titles."""
    schema = {k: v for k, v in schema.items() if k != "title"}
    options = schema.pop("anyOf", None)
    if options:
        non_null = [option for option in options if option.get("type") != "null"]
        if len(non_null) == 1:
            schema = {**non_null[0], **schema}
        else:
            schema["anyOf"] = non_null
    if schema.get("default", 0) is None:
        del schema["default"]
    return schema


def _own_fields_first(model):
    """Field names, a model's own before those it inherits (filters before the paging of a base)."""
    names = []
    for cls in model.__mro__:
        names += [name for name in getattr(cls, "__annotations__", {}) if name in model.model_fields and name not in names]
    return names


def query_parameters(model):
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    properties = schema.get("properties", {})
    parameters = []
    for name in _own_fields_first(model):
        key = model.model_fields[name].alias or name
        prop = _clean(properties[key])
        name = key
        parameter = {"name": name, "in": "query", **({"required": True} if name in required else {})}
        description = prop.pop("description", None)
        parameter["schema"] = prop
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    return parameters


def _response(spec):
    description = spec.described or ("Created" if spec.status == 201 else "OK")
    response = spec.response
    if response is None:
        return {"description": description}
    if spec.media_type != "application/json":
        return {"description": description, "content": {spec.media_type: {"schema": response}}}
    if isinstance(response, str):
        return web.json_body(response, description)
    if isinstance(response, type) and issubclass(response, BaseModel):
        return web.json_body(response.__name__, description)
    return {"description": description, "content": {"application/json": {"schema": response}}}


def operation(spec, service=None):
    """The OpenAPI operation object of one declaration (``service``: the name its client scopes start with,
    None where client tokens do not act by scope)."""
    _, path_names = openapi_path(spec.path)
    parameters = [{"name": name, "in": "path", "required": True, "schema": schema} for name, schema in path_names]
    if spec.query is not None:
        parameters += query_parameters(spec.query)
    parameters = [{**p, **spec.parameters.get(p["name"], {})} for p in parameters]
    op = {"summary": spec.summary}
    if spec.description:
        op["description"] = spec.description
    if spec.roles is not ANYONE:
        op["security"] = [{"bearerAuth": []}]
        op["x-roles"] = [role.value for role in spec.roles] or ["any signed-in caller"]
    client_scope = spec.client_scope_of(service)
    if client_scope:
        op["x-client-scope"] = client_scope
    if parameters:
        op["parameters"] = parameters
    if spec.body is not None:
        op["requestBody"] = {"required": spec.body_required, **web.json_body(spec.body.__name__)}
    statuses = set(spec.errors) | ({400} if spec.query is not None or not spec.extra_query else set())
    op["responses"] = {str(spec.status): _response(spec), **web.error_responses(*sorted(statuses))}
    return op


def models_of(specs):
    """Component schemas of every pydantic model the declarations name (bodies and responses)."""
    schemas = {}
    for spec in specs:
        for model in (spec.body, spec.response):
            if isinstance(model, type) and issubclass(model, BaseModel):
                schemas.update(web.model_schema(model))
    return schemas


def paths_of(specs, service=None):
    paths = {}
    for spec in specs:
        path, _ = openapi_path(spec.path)
        method = spec.method.lower()
        if method in paths.get(path, {}):
            raise ValueError(f"two endpoints declare {spec.method} {path}")
        paths.setdefault(path, {})[method] = operation(spec, service)
    return paths
