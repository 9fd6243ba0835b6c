"""The public strategy API: what a strategy is written against.

A strategy subclasses ``Strategy`` and declares what it is as class attributes: ``kind``
(``StrategyKind.DAY``, flat at the close, or ``SWING``), the bar ``resolution``,
``active_windows`` (``ActiveWindow``, New York time, when it may start), ``default_symbols``,
typed ``parameters`` (``Parameter``: default and bounds the optimizer searches; read back as
``self.p.<name>``, a ``Params``) and ``required_models``. It reacts through hooks (``is_viable``,
``on_start``, ``on_bar`` with a ``Bar``, ``buy_logic`` / ``sell_logic``, ``on_order_update``,
``on_stop``, ``make_execution_result``; ``tc2.strategy.base`` says when each is called) and
touches the world only through ``self.env``, a ``StrategyEnv``: clock-gated bars, indicators and
signals, models, the account and a timeline of decisions. Entries sized by TC2's purchase limits
add ``PURCHASE_PARAMETERS`` and call ``purchase_budget``. ``INTERFACE_VERSION`` changes when this
contract does.

What strategies use from other packages: orders (``tc2.execution.orders``: ``OrderRequest``,
``Side``, ``OrderType``, ``TimeInForce``), signal and series specs for ``env.wake_on`` /
``env.indicator`` (``tc2.analysis.signals``, or your own ``Series``/``Signal``, evaluated on the
bars seen so far), ``Resolution`` (``tc2.data.bars``) and the errors (``tc2.errors``:
``StrategyError``, ``LookAheadError``). docs/STRATEGIES.md says what a strategy can and cannot
reach in a simulation.

Not part of this API: how the engine finds strategies (``tc2.strategy.registry``: built-ins by
name, files by ``path.py:Class``) and the built-ins themselves (``tc2.strategy.builtin``), which
are strategies written against it. This module does not import them, so importing the contract
loads no strategy.
"""

from tc2.strategy.base import INTERFACE_VERSION, ActiveWindow, Params, Strategy, StrategyKind
from tc2.strategy.env import Bar, Decision, StrategyEnv
from tc2.strategy.parameters import Parameter, ParameterValue
from tc2.strategy.sizing import PURCHASE_PARAMETERS, purchase_budget, purchase_problems

__all__ = [
    "INTERFACE_VERSION",
    "PURCHASE_PARAMETERS",
    "ActiveWindow",
    "Bar",
    "Decision",
    "Parameter",
    "ParameterValue",
    "Params",
    "Strategy",
    "StrategyEnv",
    "StrategyKind",
    "purchase_budget",
    "purchase_problems",
]
