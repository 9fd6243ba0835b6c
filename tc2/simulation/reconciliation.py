"""Backtest versus live: a traded run side by side with the simulator's run of the same session.

``reconcile(live=, simulated=, prices=)`` compares a traded run (``TradedRun``: the fills and
orders the records hold) with the ``RunRecord`` of the same strategy, parameters, symbols,
settings and start time re-run by ``simulate_day`` on the session's stored bars, and returns a
``ReconciliationReport``. It is pure: ``tc2.program.reconciliation_jobs`` does the re-run.

**Matching fills.** Fills are matched within each (symbol, side), in order (the n-th buy of a
side can only match a later buy of the other side than the (n-1)-th's match), and between those
orders by nearest time: an alignment that makes the most matches, then the smallest total time
difference, with no match more than ``MATCH_WINDOW_S`` apart. A fill is an *entry* when it opens
or adds to its side's position and an *exit* when it reduces it (a fill that flips the position
counts as an exit).

**Per matched fill:** ``slippage_bp``, the live price against the simulated one in basis points
of the simulated price, signed so that worse for the trader is positive (a buy paid more, a
sell received less); ``market_move_bp``, the stored market's move between the two fill times
(``PriceReference.at``, the close of the bar holding each time), signed the same way;
``delay_s``, live time minus simulated time (late is positive).

**P&L** of a side is its fills' cash flow net of fees, ``sum(-side x qty x price) - sum(fee)``,
plus what it still holds at the end (``open_qty``, with a note) marked to the symbol's last
stored close ``M``: the realized P&L of a run that ends flat, as every day run does.

**Attribution** of ``live P&L - simulated P&L`` (a positive figure: live did better), exactly:

- ``fills``: on each matched fill's common quantity ``q = min(live qty, simulated qty)``,
  ``-side x q x ((p_live - p_sim) - (m(t_live) - m(t_sim)))``: the price difference the
  execution made beyond the market's move;
- ``timing``: the rest, ``total - fills - fees - missed``, which is on matched fills
  ``-side x q x (m(t_live) - m(t_sim))``: what the market's move between the two fill times
  cost or gave;
- ``fees``: ``-(live fees - simulated fees)``;
- ``missed``: the trades only one side made (unmatched fills, and the quantity one side of a
  matched pair filled beyond the other), each valued as held to the symbol's last stored close
  ``M``: ``-side x qty x (p - M)``, live ones added and simulated ones subtracted. A whole
  round trip only one side made counts its gross P&L (its entry's and exit's terms sum to
  it).

With what is held marked to ``M``, each side's P&L is ``sum(-side x qty x (p - M)) -
fees``, so the four terms add up to the total. Figures are decimals rounded to
``MONEY_PLACES`` and ``timing`` is computed as the rest, so the sum is exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from typing import Any

from tc2.execution.orders import Side
from tc2.simulation.reconciliation_inputs import (
    PriceReference,
    SideFill,
    SideOrder,
    TradedRun,
    side_fills_of,
    side_orders_of,
)
from tc2.simulation.records import RunRecord, describe_not_viable

MATCH_WINDOW_S = 3600  # two fills further apart than an hour are two different trades
MONEY_PLACES = Decimal("0.000001")  # the trade tables' money precision
BP_PLACES = Decimal("0.01")
REJECTED_STATUSES = frozenset(("rejected", "never_sent"))


class Match(StrEnum):
    """What became of a fill or an order on the other side."""

    MATCHED = "matched"
    LIVE_ONLY = "live_only"  # the simulator did not make it
    SIM_ONLY = "sim_only"  # live did not make it (missed, or rejected)


class Role(StrEnum):
    """What a fill did to its side's position."""

    ENTRY = "entry"  # opens or adds to the position
    EXIT = "exit"  # reduces, closes or flips it


def money(value: float | Decimal) -> Decimal:
    """A dollar figure at the records' precision (half to even)."""
    return Decimal(repr(float(value))).quantize(MONEY_PLACES, ROUND_HALF_EVEN)


def _bp(value: float) -> float:
    return float(Decimal(repr(value)).quantize(BP_PLACES, ROUND_HALF_EVEN))


@dataclass(frozen=True, slots=True, kw_only=True)
class FillComparison:
    """One live fill and its simulated match, or a fill only one side made."""

    symbol: str
    side: Side
    role: Role
    match: Match
    live: SideFill | None
    sim: SideFill | None
    delay_s: int | None  # live time - simulated time
    slippage_bp: float | None  # worse for the trader is positive
    market_move_bp: float | None  # the market between the two times, same sign rule
    pnl_fills: Decimal  # this fill's part of the attribution's ``fills``
    pnl_timing: Decimal  # ... of ``timing`` (matched fills)
    pnl_missed: Decimal  # ... of ``missed``

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "side": self.side.value,
            "role": self.role.value,
            "match": self.match.value,
            "live": None if self.live is None else self.live.to_dict(),
            "sim": None if self.sim is None else self.sim.to_dict(),
            "delay_s": self.delay_s,
            "slippage_bp": self.slippage_bp,
            "market_move_bp": self.market_move_bp,
            "pnl_fills": float(self.pnl_fills),
            "pnl_timing": float(self.pnl_timing),
            "pnl_missed": float(self.pnl_missed),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderComparison:
    """An order live refused or failed to send, or one only one side made."""

    symbol: str
    side: Side
    match: Match
    live: SideOrder | None
    sim: SideOrder | None
    rejected_live: bool  # the broker (or a risk rule) refused it, or it never went out
    rejected_sim: bool  # the virtual account refused it

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "side": self.side.value,
            "match": self.match.value,
            "live": None if self.live is None else self.live.to_dict(),
            "sim": None if self.sim is None else self.sim.to_dict(),
            "rejected_live": self.rejected_live,
            "rejected_sim": self.rejected_sim,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Attribution:
    """``live - simulated`` P&L in dollars and its parts; ``fills + fees + missed + timing``
    equals ``total`` exactly."""

    live_pnl: Decimal
    sim_pnl: Decimal
    total: Decimal
    fills: Decimal
    fees: Decimal
    missed: Decimal
    timing: Decimal

    def to_dict(self) -> dict[str, float]:
        return {
            name: float(getattr(self, name))
            for name in ("live_pnl", "sim_pnl", "total", "fills", "fees", "missed", "timing")
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SideSummary:
    """One side's run in figures."""

    first_order_t: int | None  # when the side first acted (its first order); None: never
    stop_reason: str
    fills: int
    orders: int
    rejected: int
    fees: Decimal
    pnl: Decimal
    open_qty: dict[str, float]  # shares still held at the end, by symbol (marked to M in pnl)

    def to_dict(self) -> dict[str, Any]:
        return {
            "first_order_t": self.first_order_t,
            "stop_reason": self.stop_reason,
            "fills": self.fills,
            "orders": self.orders,
            "rejected": self.rejected,
            "fees": float(self.fees),
            "pnl": float(self.pnl),
            "open_qty": self.open_qty,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconciliationReport:
    """A traded run beside its re-run: fills, orders, timing and P&L attribution.

    ``identical`` is True when every fill and order matched with no price, time or fee
    difference and nothing was rejected on one side only (the replay market's promise).
    """

    run_id: int | None
    strategy: str
    mode: str
    day: str
    symbols: tuple[str, ...]
    start_t: int
    settings: dict[str, Any]
    settings_source: str  # "recorded", or "default" for a run recorded without its settings
    live: SideSummary
    sim: SideSummary
    fills: tuple[FillComparison, ...]
    orders: tuple[OrderComparison, ...]
    attribution: Attribution
    fingerprint_sim: str
    notes: tuple[str, ...]

    @property
    def counts(self) -> dict[str, int]:
        """Entries and exits matched or on one side only, orders rejected or on one side."""
        out: dict[str, int] = {}
        for row in self.fills:
            key = f"{row.role.value}_{row.match.value}"
            out[key] = out.get(key, 0) + 1
        for role in Role:
            for match in Match:
                out.setdefault(f"{role.value}_{match.value}", 0)
        out["orders_rejected_live"] = sum(1 for row in self.orders if row.rejected_live)
        out["orders_rejected_sim"] = sum(1 for row in self.orders if row.rejected_sim)
        out["orders_live_only"] = sum(1 for row in self.orders if row.match is Match.LIVE_ONLY)
        out["orders_sim_only"] = sum(1 for row in self.orders if row.match is Match.SIM_ONLY)
        return out

    @property
    def identical(self) -> bool:
        return (
            all(
                row.match is Match.MATCHED
                and row.delay_s == 0
                and row.slippage_bp == 0
                and row.live is not None
                and row.sim is not None
                and row.live.qty == row.sim.qty
                and row.live.fee == row.sim.fee
                for row in self.fills
            )
            and all(row.match is Match.MATCHED for row in self.orders)
            and self.attribution.total == 0
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "strategy": self.strategy,
            "mode": self.mode,
            "day": self.day,
            "symbols": list(self.symbols),
            "start_t": self.start_t,
            "settings": self.settings,
            "settings_source": self.settings_source,
            "identical": self.identical,
            "counts": self.counts,
            "live": self.live.to_dict(),
            "sim": self.sim.to_dict(),
            "attribution": self.attribution.to_dict(),
            "fills": [row.to_dict() for row in self.fills],
            "orders": [row.to_dict() for row in self.orders],
            "fingerprint_sim": self.fingerprint_sim,
            "notes": list(self.notes),
        }


# -- matching ---------------------------------------------------------------------------------


def align(
    live_times: Sequence[int], sim_times: Sequence[int], *, window_s: int = MATCH_WINDOW_S
) -> list[tuple[int | None, int | None]]:
    """Align two time-ordered sequences in order: the most matches, then the least total time
    difference, no match more than ``window_s`` apart. Returns (live index, sim index) pairs
    in order, None where one side has no partner."""
    n, m = len(live_times), len(sim_times)
    skip = window_s + 1  # two skips always cost more than one allowed match
    inf = float("inf")
    cost = [[inf] * (m + 1) for _ in range(n + 1)]
    move: list[list[int]] = [[0] * (m + 1) for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            here = cost[i][j]
            if here == inf:
                continue
            if i < n and here + skip < cost[i + 1][j]:
                cost[i + 1][j], move[i + 1][j] = here + skip, 1
            if j < m and here + skip < cost[i][j + 1]:
                cost[i][j + 1], move[i][j + 1] = here + skip, 2
            if i < n and j < m:
                gap = abs(live_times[i] - sim_times[j])
                if gap <= window_s and here + gap < cost[i + 1][j + 1]:
                    cost[i + 1][j + 1], move[i + 1][j + 1] = here + gap, 3
    pairs: list[tuple[int | None, int | None]] = []
    i, j = n, m
    while i or j:
        step = move[i][j]
        if step == 3:
            i, j = i - 1, j - 1
            pairs.append((i, j))
        elif step == 1:
            i -= 1
            pairs.append((i, None))
        else:
            j -= 1
            pairs.append((None, j))
    pairs.reverse()
    return pairs


def _roles(fills: Iterable[SideFill]) -> dict[str, Role]:
    """Each fill's role (by fill id) from the position it found on its side."""
    held: dict[str, float] = {}
    roles = {}
    for fill in sorted(fills, key=lambda f: f.t):
        before = held.get(fill.symbol, 0.0)
        signed = fill.side.sign * fill.qty
        roles[fill.fill_id] = Role.EXIT if before and (before > 0) != (signed > 0) else Role.ENTRY
        held[fill.symbol] = round(before + signed, 9)
    return roles


def _open_qty(fills: Iterable[SideFill]) -> dict[str, float]:
    held: dict[str, float] = {}
    for fill in fills:
        held[fill.symbol] = round(held.get(fill.symbol, 0.0) + fill.side.sign * fill.qty, 9)
    return {symbol: qty for symbol, qty in sorted(held.items()) if qty}


def _groups(items: Iterable[Any]) -> dict[tuple[str, Side], list[Any]]:
    groups: dict[tuple[str, Side], list[Any]] = {}
    for item in items:
        groups.setdefault((item.symbol, item.side), []).append(item)
    return groups


def _worse_bp(side: Side, live: float, reference: float) -> float:
    """``live`` against ``reference`` in bp of ``reference``; positive is worse for the trader."""
    if not reference:
        return 0.0
    return _bp(side.sign * (live - reference) / reference * 10_000)


def compare_fills(
    live: Sequence[SideFill], sim: Sequence[SideFill], prices: PriceReference
) -> list[FillComparison]:
    """Match and compare the fills of the two sides (module docstring)."""
    live_roles, sim_roles = _roles(live), _roles(sim)
    live_groups, sim_groups = _groups(live), _groups(sim)
    rows: list[FillComparison] = []
    for key in sorted(set(live_groups) | set(sim_groups)):
        symbol, side = key
        ours = sorted(live_groups.get(key, []), key=lambda f: (f.t, f.fill_id))
        theirs = sorted(sim_groups.get(key, []), key=lambda f: (f.t, f.fill_id))
        mark = prices.last(symbol)
        for i, j in align([f.t for f in ours], [f.t for f in theirs]):
            a = None if i is None else ours[i]
            b = None if j is None else theirs[j]
            rows.append(_fill_row(symbol, side, a, b, live_roles, sim_roles, prices, mark))
    rows.sort(key=lambda row: (_row_t(row), row.symbol, row.side.value))
    return rows


def _row_t(row: FillComparison) -> int:
    return min(fill.t for fill in (row.live, row.sim) if fill is not None)


def _fill_row(
    symbol: str,
    side: Side,
    live: SideFill | None,
    sim: SideFill | None,
    live_roles: dict[str, Role],
    sim_roles: dict[str, Role],
    prices: PriceReference,
    mark: float,
) -> FillComparison:
    zero = Decimal(0)

    def held_to_mark(fill: SideFill, qty: float) -> Decimal:
        return money(-side.sign * qty * (fill.price - mark))

    if live is not None and sim is not None:
        qty = min(live.qty, sim.qty)
        move = prices.at(symbol, live.t) - prices.at(symbol, sim.t)
        missed = held_to_mark(live, live.qty - qty) - held_to_mark(sim, sim.qty - qty)
        return FillComparison(
            symbol=symbol,
            side=side,
            role=live_roles[live.fill_id],
            match=Match.MATCHED,
            live=live,
            sim=sim,
            delay_s=live.t - sim.t,
            slippage_bp=_worse_bp(side, live.price, sim.price),
            market_move_bp=_worse_bp(side, sim.price + move, sim.price),
            pnl_fills=money(-side.sign * qty * ((live.price - sim.price) - move)),
            pnl_timing=money(-side.sign * qty * move),
            pnl_missed=missed,
        )
    if live is not None:
        return FillComparison(
            symbol=symbol,
            side=side,
            role=live_roles[live.fill_id],
            match=Match.LIVE_ONLY,
            live=live,
            sim=None,
            delay_s=None,
            slippage_bp=None,
            market_move_bp=None,
            pnl_fills=zero,
            pnl_timing=zero,
            pnl_missed=held_to_mark(live, live.qty),
        )
    assert sim is not None
    return FillComparison(
        symbol=symbol,
        side=side,
        role=sim_roles[sim.fill_id],
        match=Match.SIM_ONLY,
        live=None,
        sim=sim,
        delay_s=None,
        slippage_bp=None,
        market_move_bp=None,
        pnl_fills=zero,
        pnl_timing=zero,
        pnl_missed=-held_to_mark(sim, sim.qty),
    )


def compare_orders(live: Sequence[SideOrder], sim: Sequence[SideOrder]) -> list[OrderComparison]:
    """Match orders by (symbol, side), in order and nearest decision time; keep the rows that
    say something: an order rejected on either side, or made by one side only."""
    rows = []
    live_groups, sim_groups = _groups(live), _groups(sim)
    for key in sorted(set(live_groups) | set(sim_groups)):
        symbol, side = key
        ours = sorted(live_groups.get(key, []), key=lambda o: (o.t, o.client_order_id))
        theirs = sorted(sim_groups.get(key, []), key=lambda o: (o.t, o.client_order_id))
        for i, j in align([o.t for o in ours], [o.t for o in theirs]):
            a = None if i is None else ours[i]
            b = None if j is None else theirs[j]
            rejected_live = a is not None and a.status in REJECTED_STATUSES
            rejected_sim = b is not None and b.status in REJECTED_STATUSES
            match = Match.MATCHED if a and b else Match.LIVE_ONLY if a else Match.SIM_ONLY
            if match is Match.MATCHED and rejected_live == rejected_sim:
                continue
            rows.append(
                OrderComparison(
                    symbol=symbol,
                    side=side,
                    match=match,
                    live=a,
                    sim=b,
                    rejected_live=rejected_live,
                    rejected_sim=rejected_sim,
                )
            )
    rows.sort(key=lambda row: min(o.t for o in (row.live, row.sim) if o is not None))
    return rows


# -- the report -------------------------------------------------------------------------------


def _pnl(fills: Sequence[SideFill], prices: PriceReference) -> Decimal:
    cash = sum((money(f.cash) - money(f.fee) for f in fills), Decimal(0))
    held = _open_qty(fills)
    return cash + sum(
        (money(qty * prices.last(symbol)) for symbol, qty in held.items()), Decimal(0)
    )


def _fees(fills: Iterable[SideFill]) -> Decimal:
    return sum((money(f.fee) for f in fills), Decimal(0))


def _summary(
    *, fills: Sequence[SideFill], orders: Sequence[SideOrder], stop: str, prices: PriceReference
) -> SideSummary:
    return SideSummary(
        first_order_t=_first_order_t(orders, fills),
        stop_reason=stop,
        fills=len(fills),
        orders=len(orders),
        rejected=sum(1 for order in orders if order.status in REJECTED_STATUSES),
        fees=_fees(fills),
        pnl=_pnl(fills, prices),
        open_qty=_open_qty(fills),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatedRun:
    """The re-run's side: its fills and orders and what the comparison reports of it."""

    fills: tuple[SideFill, ...]
    orders: tuple[SideOrder, ...]
    stop_reason: str
    fingerprint: str
    started: bool
    not_viable: str = ""  # why it never started (``describe_not_viable``)

    @classmethod
    def of(cls, record: RunRecord) -> SimulatedRun:
        """A simulator's ``RunRecord`` as the comparison's simulated side."""
        return cls(
            fills=side_fills_of(record.fill_log),
            orders=side_orders_of(record.order_log),
            stop_reason=record.stop_reason,
            fingerprint=record.fingerprint,
            started=record.started_t is not None,
            not_viable=describe_not_viable(record.not_viable),
        )


def reconcile(
    *,
    live: TradedRun,
    simulated: SimulatedRun,
    prices: PriceReference,
    settings: dict[str, Any],
    settings_source: str,
) -> ReconciliationReport:
    """Compare ``live`` with its re-run ``simulated`` (module docstring for every figure).

    ``prices`` are the session's stored bars; ``settings`` what the re-run ran with and
    ``settings_source`` where they came from (``recorded`` or ``default``).

    Raises
    ------
    DataError
        If ``prices`` holds no bar of a traded symbol at a fill's time.
    """
    fills = compare_fills(live.fills, simulated.fills, prices)
    orders = compare_orders(live.orders, simulated.orders)
    live_summary = _summary(
        fills=live.fills, orders=live.orders, stop=live.stop_reason, prices=prices
    )
    sim_summary = _summary(
        fills=simulated.fills, orders=simulated.orders, stop=simulated.stop_reason, prices=prices
    )
    total = live_summary.pnl - sim_summary.pnl
    part_fills = sum((row.pnl_fills for row in fills), Decimal(0))
    fees = -(live_summary.fees - sim_summary.fees)
    missed = sum((row.pnl_missed for row in fills), Decimal(0))
    attribution = Attribution(
        live_pnl=live_summary.pnl,
        sim_pnl=sim_summary.pnl,
        total=total,
        fills=part_fills,
        fees=fees,
        missed=missed,
        timing=total - part_fills - fees - missed,
    )
    notes = []
    if live_summary.open_qty or sim_summary.open_qty:
        notes.append(
            "a side ended holding shares (live "
            f"{live_summary.open_qty or 'flat'}, simulated {sim_summary.open_qty or 'flat'}): "
            "what is held is marked to the symbol's last stored close"
        )
    if settings_source != "recorded":
        notes.append(
            "the run was recorded without its settings: the re-run used the defaults "
            f"({', '.join(f'{k}={v}' for k, v in sorted(settings.items()))})"
        )
    if not simulated.started and live.fills:
        notes.append(
            f"the re-run never started (not viable: {simulated.not_viable or 'no reason'}) "
            "while live traded"
        )
    return ReconciliationReport(
        run_id=live.run_id,
        strategy=live.strategy,
        mode=live.mode,
        day=live.day.isoformat(),
        symbols=tuple(live.symbols),
        start_t=live.start_t,
        settings=settings,
        settings_source=settings_source,
        live=live_summary,
        sim=sim_summary,
        fills=tuple(fills),
        orders=tuple(orders),
        attribution=attribution,
        fingerprint_sim=simulated.fingerprint,
        notes=tuple(notes),
    )


def _first_order_t(orders: Sequence[SideOrder], fills: Sequence[SideFill]) -> int | None:
    """When live first acted (its first order, else its first fill); None if it never did."""
    times = [order.t for order in orders] or [fill.t for fill in fills]
    return min(times) if times else None
