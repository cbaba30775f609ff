"""Component schemas of the OpenAPI document that no ``@endpoint`` declares as its ``body``: the optional bodies
(``entrypoints.common.optional_body``) of a demand's withdrawal and a match decision."""
from ttp_common import web

from .demands import DemandWithdrawIn
from .matches import DecisionIn

API_SCHEMAS = {**web.model_schema(DemandWithdrawIn), **web.model_schema(DecisionIn)}
