"""MODEL_FEEDING: models trained at once equal models trained night by night."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from datetime import time as wall_time

from tc2.analysis.feeder import FORGETFUL_MODELS, ModelFeeder
from tc2.analysis.forgetful import Feeding, ForgetfulModel
from tc2.analysis.model_state import GRADE, MemoryModelStateStore, ModelStateStore
from tc2.data.bars import Resolution
from tc2.data.resample import regular_hours
from tc2.data.store import PriceStore
from tc2.env import MarketCalendar
from tc2.env.market_calendar import new_york_epoch
from tc2.program.checks.report import Figure, HealthCheckType, HealthReport, no_progress, verdict
from tc2.program.jobs import Progress

FEEDING_DAYS = 30  # what a simulation warms its models from
FEEDING_PARTIAL_UNTIL = wall_time(12, 0)  # a "partial day" is the morning, as streamed

FEEDING_NO_DAYS = "no minute bars of {symbol} on file: nothing to feed the models"
FEEDING_DIFFERS = (
    "{model}: trained {how} gives {found}, trained on days 1..{n} at once gives {expected}"
)
FEEDING_REVERT_WRONG = (
    "{model} on {day}: revert_to_snapshot after a partial day gave {found}, the state before it "
    "was {expected}"
)
FEEDING_NOT_IDEMPOTENT = "{model} on {day}: feeding the complete day again changed the state"


def check_model_feeding(
    *,
    store: PriceStore,
    calendar: MarketCalendar,
    symbol: str,
    days: int = FEEDING_DAYS,
    models: Sequence[type[ForgetfulModel]] = FORGETFUL_MODELS,
    state_store: Callable[[], ModelStateStore] = MemoryModelStateStore,
    progress: Progress = no_progress,
) -> HealthReport:
    """MODEL_FEEDING: batch training, nightly training and a simulation's fold agree exactly.

    Night by night, each day is first fed partly (its morning, ``stable=False``) and reverted to
    the snapshot, which must restore the state before it exactly; then fed partly again and
    completely (the partial day is undone by the model itself), then completely once more, which
    must change nothing. Each night gets new model objects, as a restarted program would.
    """
    check = HealthCheckType.MODEL_FEEDING
    on_file = store.dates_on_file(symbol, resolution=Resolution.MINUTE)[-days:]
    if not on_file:
        return verdict(check, [FEEDING_NO_DAYS.format(symbol=symbol)], (), {"days": 0}, symbol)
    problems: list[str] = []
    at_once_store = state_store()
    ModelFeeder(
        model_store=at_once_store, price_store=store, calendar=calendar, models=models
    ).feed_days((symbol, day) for day in on_file)
    nightly_store = state_store()
    for index, day in enumerate(on_file):
        progress(100 * index / len(on_file), f"{symbol} {day}")
        feeder = ModelFeeder(
            model_store=nightly_store, price_store=store, calendar=calendar, models=models
        )
        session = regular_hours(store.load_day(symbol, day, Resolution.MINUTE), calendar)
        morning = session.select(session.t < new_york_epoch(day, FEEDING_PARTIAL_UNTIL))
        for model in feeder.models:
            before = model.state(symbol)
            model.feed(morning, stable=False)
            if model.revert_to_snapshot(symbol) != before or model.state(symbol) != before:
                problems.append(
                    FEEDING_REVERT_WRONG.format(
                        model=model.name, day=day, found=model.state(symbol), expected=before
                    )
                )
            model.feed(morning, stable=False)
        feeder.feed(symbol, day)
        for model in feeder.models:
            fed = model.state(symbol)
            outcome = model.feed(session)
            if outcome.feeding is not Feeding.SKIPPED or model.state(symbol) != fed:
                problems.append(FEEDING_NOT_IDEMPOTENT.format(model=model.name, day=day))
    figures: dict[str, Figure] = {"days": len(on_file), "models": len(models)}
    notes = [f"fed {len(on_file)} sessions of {symbol}, {on_file[0]} to {on_file[-1]}"]
    for model_class in models:
        at_once = model_class(store=at_once_store, calendar=calendar)
        nightly = model_class(store=nightly_store, calendar=calendar)
        expected = at_once.state(symbol)
        folded = at_once.fold(symbol, _day_values(at_once, store, calendar, symbol, on_file))
        for how, found in (("night by night", nightly.state(symbol)), ("by fold", folded)):
            if found != expected:
                problems.append(
                    FEEDING_DIFFERS.format(
                        model=at_once.name, how=how, found=found, expected=expected, n=len(on_file)
                    )
                )
        if nightly_store.get(GRADE, at_once.name, symbol) != at_once_store.get(
            GRADE, at_once.name, symbol
        ):
            problems.append(
                FEEDING_DIFFERS.format(
                    model=f"{at_once.name} grade",
                    how="night by night",
                    found=nightly_store.get(GRADE, at_once.name, symbol),
                    expected=at_once_store.get(GRADE, at_once.name, symbol),
                    n=len(on_file),
                )
            )
        value = expected.value if expected is not None else None
        figures[f"{at_once.name}_value"] = value
        notes.append(f"{at_once.name}: {value} from {expected.days if expected else 0} days")
    return verdict(check, problems, notes, figures, symbol)


def _day_values(
    model: ForgetfulModel,
    store: PriceStore,
    calendar: MarketCalendar,
    symbol: str,
    days: Iterable[date],
) -> list[tuple[date, float | None]]:
    values = []
    for day in days:
        session = regular_hours(store.load_day(symbol, day, Resolution.MINUTE), calendar)
        values.append((day, model.day_value(session) if len(session) else None))
    return values
