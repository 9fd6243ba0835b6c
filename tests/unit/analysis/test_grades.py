"""How ModelWeightingSystem combines grades: gates, weighted scores and failures with reasons."""

from __future__ import annotations

from datetime import date

import pytest

from tc2.analysis.grades import Grade, ModelGrade, ModelWeightingSystem, failed


def grade(model: str, value: Grade, symbol: str = "XYZ", reason: str = "") -> ModelGrade:
    return ModelGrade(model=model, symbol=symbol, grade=value, output=None, reason=reason)


class WeightingTests:
    def test_one_fail_removes_the_symbol_with_the_reason(self) -> None:
        system = ModelWeightingSystem({"MOMENTUM": 1.0})
        grades = [
            grade("VOLATILITY", Grade.FAIL, reason="average day spread 0.5% < 0.8%"),
            grade("MOMENTUM", Grade.GREAT),
        ]

        verdict = system.score("XYZ", grades, required=("VOLATILITY", "MOMENTUM"))

        assert not verdict.passed and verdict.score is None
        assert verdict.failures == ("VOLATILITY: average day spread 0.5% < 0.8%",)

    def test_a_model_that_did_not_answer_fails_the_symbol(self) -> None:
        verdict = ModelWeightingSystem().score("XYZ", [], required=("DIP_10",))

        assert not verdict.passed and verdict.failures == ("DIP_10: no grade",)

    def test_a_model_that_raised_fails_the_symbol(self) -> None:
        grades = [failed("PROFITABILITY", "XYZ", "needs 100 days, has 40")]

        verdict = ModelWeightingSystem().score("XYZ", grades, required=("PROFITABILITY",))

        assert verdict.failures == ("PROFITABILITY: needs 100 days, has 40",)

    def test_the_score_is_the_mean_of_weighted_grades(self) -> None:
        system = ModelWeightingSystem({"MOMENTUM": 1.0, "PROFITABILITY": 0.5})
        grades = [
            grade("VOLATILITY", Grade.PASS),
            grade("MOMENTUM", Grade.GREAT),
            grade("PROFITABILITY", Grade.EXCELLENT),
            grade("DIP_10", Grade.GOOD),
        ]

        verdict = system.score("XYZ", grades, required=("VOLATILITY",))

        # DIP_10 has no weight: a gate only. (8 x 1 + 10 x 0.5) / 2.
        assert verdict.passed and verdict.score == pytest.approx(6.5)

    def test_only_gates_passed_means_no_score(self) -> None:
        verdict = ModelWeightingSystem().score("XYZ", [grade("VOLATILITY", Grade.PASS)], ())

        assert verdict.passed and verdict.score is None

    def test_grades_of_other_symbols_are_ignored(self) -> None:
        grades = [grade("VOLATILITY", Grade.FAIL, symbol="ABC")]

        assert ModelWeightingSystem().score("XYZ", grades, ()).passed

    def test_negative_weights_are_refused(self) -> None:
        with pytest.raises(ValueError, match="must be >= 0"):
            ModelWeightingSystem({"MOMENTUM": -1.0})


class ModelGradeTests:
    def test_round_trips_through_a_dict(self) -> None:
        original = ModelGrade(
            model="DIP_45",
            symbol="XYZ",
            grade=Grade.GREAT,
            output={"value": 0.4},
            reason="ok",
            trained_through=date(2024, 3, 4),
        )

        assert ModelGrade.from_dict(original.to_dict()) == original
        assert Grade.GOOD.score == 6.5 and Grade.FAIL.score < Grade.PASS.score < Grade.RISKY.score
