"""Each job request's parameters are declared once (``tc2.program.job_params``): the engine's
parser, the OpenAPI schema and the CLI options all follow the declaration, so none can drift."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.management import load_command_class

from tc2.data.bars import Resolution
from tc2.data.synthetic import SyntheticMarket
from tc2.env import MarketCalendar
from tc2.errors import ValidationFailed
from tc2.program.data_jobs import (
    HEAL_PARAMS,
    IMPORT_PARAMS,
    RANGE_PARAMS,
    RECOLLECT_QUERY,
    parse_heal_params,
    parse_import_options,
    parse_range_params,
)
from tc2.program.job_params import ParamSet
from tc2.program.strategy_jobs import (
    EVALUATE_PARAMS,
    SIMULATE_PARAMS,
    parse_evaluate_params,
    parse_simulate_params,
)
from webpanel.data.selectors import live_store

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 18)
BODIES = [
    ("/api/strategy/simulate_day", "StrategySimulateDayInputRequest", SIMULATE_PARAMS),
    ("/api/strategy/evaluate", "StrategyEvaluateInputRequest", EVALUATE_PARAMS),
    ("/api/data/patch", "DataPatchInputRequest", RANGE_PARAMS),
    ("/api/data/heal", "DataHealInputRequest", HEAL_PARAMS),
]


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return dict(SchemaGenerator().get_schema(request=None, public=True))


def _resolved(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A property's schema with a named enum's ``allOf`` reference inlined."""
    node = dict(node)
    for part in node.pop("allOf", []):
        name = part["$ref"].rsplit("/", 1)[-1]
        node.update(
            {k: v for k, v in schema["components"]["schemas"][name].items() if k != "description"}
        )
    return node


def _assert_documents(schema: dict[str, Any], body: dict[str, Any], params: ParamSet) -> None:
    assert list(body["properties"]) == list(params.names())
    assert sorted(body.get("required", [])) == sorted(params.required())
    assert body["additionalProperties"] is False
    for param in params:
        declared = param.json_schema()
        documented = _resolved(schema, body["properties"][param.name])
        assert {k: documented[k] for k in declared} == declared, param.name


class SchemaFollowsTheDeclarationTests:
    @pytest.mark.parametrize(("path", "component", "params"), BODIES)
    def test_each_request_body_is_the_declaration(
        self, schema: dict[str, Any], path: str, component: str, params: ParamSet
    ):
        operation = schema["paths"][path]["post"]
        reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]

        assert reference.endswith("/" + component)
        _assert_documents(schema, schema["components"]["schemas"][component], params)

    def test_the_import_form_is_the_declaration_and_the_file(self, schema: dict[str, Any]):
        body = dict(schema["components"]["schemas"]["DataImportInputRequest"])
        file = body["properties"].pop("file")
        body["required"] = [name for name in body["required"] if name != "file"]

        assert file == {"type": "string", "format": "binary", "description": file["description"]}
        _assert_documents(schema, body, IMPORT_PARAMS)

    def test_the_recollect_query_is_the_declaration(self, schema: dict[str, Any]):
        parameters = {
            p["name"]: p for p in schema["paths"]["/api/data/recollect"]["post"]["parameters"]
        }

        assert set(parameters) == set(RECOLLECT_QUERY.names())
        for param in RECOLLECT_QUERY:
            declared = {k: v for k, v in param.json_schema().items() if k != "description"}
            assert parameters[param.name]["schema"] == declared
            assert parameters[param.name].get("required", False) is param.required


class ParserFollowsTheDeclarationTests:
    @pytest.fixture
    def on_file(self) -> None:
        calendar = MarketCalendar.xnys()
        market = SyntheticMarket(seed=2, calendar=calendar)
        live_store().save_days(
            market.day_bars(symbol="SPY", day=day, resolution=resolution)
            for day in calendar.sessions_in_range(date(2026, 11, 16), DAY)
            for resolution in (Resolution.SECOND, Resolution.MINUTE)
        )

    @pytest.mark.parametrize(
        ("parse", "params", "request_"),
        [
            (
                parse_simulate_params,
                SIMULATE_PARAMS,
                {"strategy": "CycleStrategy", "symbol": "SPY", "day": str(DAY)},
            ),
            (
                parse_evaluate_params,
                EVALUATE_PARAMS,
                {
                    "strategy": "CycleStrategy",
                    "symbols": ["SPY"],
                    "start": "2026-11-17",
                    "end": str(DAY),
                },
            ),
            (parse_range_params, RANGE_PARAMS, {"symbols": ["SPY"], "start_date": str(DAY)}),
            (parse_heal_params, HEAL_PARAMS, {"symbols": ["SPY"]}),
            (parse_import_options, IMPORT_PARAMS, {"format": "csv", "symbol": "SPY"}),
        ],
    )
    def test_a_parsed_request_has_exactly_the_declared_parameters_and_refuses_others(
        self, on_file: None, parse: Any, params: ParamSet, request_: dict[str, Any]
    ):
        assert list(parse(request_)) == list(params.names())

        with pytest.raises(ValidationFailed) as caught:
            parse({**request_, "undeclared": 1})
        assert caught.value.field_errors == {"undeclared": ["unknown parameter"]}


class CommandFollowsTheDeclarationTests:
    @pytest.mark.parametrize(
        ("command", "params"), [("simulate", SIMULATE_PARAMS), ("evaluate", EVALUATE_PARAMS)]
    )
    def test_the_command_has_an_option_per_declared_parameter(self, command: str, params: ParamSet):
        parser = load_command_class("webpanel.strategy", command).create_parser(
            "manage.py", command
        )
        destinations = {action.dest for action in parser._actions}

        assert set(params.names()) <= destinations
        assert {a.dest for a in parser._actions if a.required} == set(params.required())


def test_the_panels_starting_cash_rule_is_the_declared_one():
    """The panel checks starting_cash as the form is filled; its bound is the declared one."""
    from pathlib import Path

    from tc2.program.strategy_jobs import MAX_STARTING_CASH

    run_form = Path(__file__).resolve().parents[2] / "frontend/src/app/strategy/run-form.ts"
    (starting_cash,) = [p for p in SIMULATE_PARAMS if p.name == "starting_cash"]

    assert starting_cash.maximum == MAX_STARTING_CASH
    assert f"MAX_STARTING_CASH = {int(MAX_STARTING_CASH):_};" in run_form.read_text()


def test_the_panels_risk_free_rate_rule_is_the_declared_one():
    """The panel takes the rate in percent; its bound is the declared fraction's."""
    from pathlib import Path

    from tc2.program.strategy_jobs import MAX_RISK_FREE_RATE

    run_form = Path(__file__).resolve().parents[2] / "frontend/src/app/strategy/run-form.ts"
    (rate,) = [p for p in EVALUATE_PARAMS if p.name == "risk_free_rate"]

    assert (rate.minimum, rate.maximum) == (0, MAX_RISK_FREE_RATE)
    assert f"MAX_RISK_FREE_RATE = {MAX_RISK_FREE_RATE};" in run_form.read_text()
