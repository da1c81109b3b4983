"""Cost Explorer that answers GetCostAndUsage from seeded daily line items, as AWS does.

moto 5.2.5's GetCostAndUsage does not look at the request: it hands out results queued through
``POST /moto-api/static/ce/cost-and-usage-results`` in order, one per distinct request body, whatever the
period, filter or grouping asked for. Reports whose dates follow "today" cannot be seeded that way.

This keeps moto's endpoint and adds one shape to it: a queued result with a ``LineItems`` list is not queued but
stored as the account's daily cost line items (the same day, AWS service and tags again replaces it) (``{"Date": "2026-12-01", "Service": "Amazon Elastic Compute Cloud
- Compute", "Tags": {"Environment": "dev", "Service": "payments-api"}, "Amount": "12.34", "Unit": "USD"}``).
When an account has line items, GetCostAndUsage computes its answer from them: the TimePeriod (End exclusive),
DAILY or MONTHLY granularity, a Filter of Tags / Dimensions (SERVICE, LINKED_ACCOUNT) combined with And, up to two
GroupBy keys (DIMENSION SERVICE, TAG <key>; an untagged item groups under ``<key>$``, as AWS writes it), any
metric name (every metric gets the item's amount). Not modelled: Not/Or filters, RECORD_TYPE and other dimensions
(an unknown filter is an error, never silently ignored), paging (every result fits one page), estimated flags.
Accounts without line items keep moto's queue behaviour.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

# account -> (date, AWS service, tags) -> line item: seeding the same day again replaces it (idempotent seeds).
_LINE_ITEMS: dict[str, dict[tuple[str, str, tuple[tuple[str, str], ...]], dict[str, Any]]] = {}


def _item_key(item: dict[str, Any]) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    return (str(item["Date"]), str(item["Service"]), tuple(sorted(item.get("Tags", {}).items())))


class _BadRequest(Exception):
    pass


def _day(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def _matches(item: dict[str, Any], expr: dict[str, Any] | None) -> bool:
    if not expr:
        return True
    if "And" in expr:
        return all(_matches(item, e) for e in expr["And"])
    if "Tags" in expr:
        t = expr["Tags"]
        return item.get("Tags", {}).get(t["Key"]) in t.get("Values", [])
    if "Dimensions" in expr:
        d = expr["Dimensions"]
        key = {"SERVICE": "Service", "LINKED_ACCOUNT": "Account"}.get(d["Key"])
        if key is None:
            raise _BadRequest(f"sandbox Cost Explorer: dimension filter {d['Key']} is not modelled")
        return item.get(key) in d.get("Values", [])
    raise _BadRequest(f"sandbox Cost Explorer: filter {sorted(expr)} is not modelled (Tags, Dimensions, And are)")


def _group_key(item: dict[str, Any], group: dict[str, str]) -> str:
    if group["Type"] == "DIMENSION" and group["Key"] == "SERVICE":
        return str(item["Service"])
    if group["Type"] == "TAG":
        return f"{group['Key']}${item.get('Tags', {}).get(group['Key'], '')}"
    raise _BadRequest(f"sandbox Cost Explorer: GroupBy {group} is not modelled (DIMENSION SERVICE, TAG are)")


def _windows(start: dt.date, end: dt.date, granularity: str) -> list[tuple[dt.date, dt.date]]:
    out: list[tuple[dt.date, dt.date]] = []
    cur = start
    while cur < end:
        if granularity == "MONTHLY":
            nxt = (cur.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        else:
            nxt = cur + dt.timedelta(days=1)
        out.append((cur, min(nxt, end)))
        cur = min(nxt, end)
    return out


def cost_and_usage(items: list[dict[str, Any]], request: dict[str, Any]) -> dict[str, Any]:
    period = request["TimePeriod"]
    start, end = _day(period["Start"]), _day(period["End"])
    if end <= start:
        raise _BadRequest("sandbox Cost Explorer: TimePeriod End must be after Start")
    granularity = request.get("Granularity", "DAILY")
    metrics = request.get("Metrics") or ["UnblendedCost"]
    groups = request.get("GroupBy") or []
    selected = [i for i in items if _matches(i, request.get("Filter"))]
    if groups and len(groups) > 2:
        raise _BadRequest("sandbox Cost Explorer: at most two GroupBy keys, as in AWS")
    unit = next((i.get("Unit") for i in items), "USD")
    windows = _windows(start, end, granularity)
    # One pass over the items: each goes into the window holding its day (windows are contiguous, in order).
    window_of = {
        (w_start + dt.timedelta(days=d)).isoformat(): n
        for n, (w_start, w_end) in enumerate(windows)
        for d in range((w_end - w_start).days)
    }
    per_window: list[dict[tuple[str, ...], Decimal]] = [{} for _ in windows]
    for i in selected:
        n = window_of.get(str(i["Date"]))
        if n is None:
            continue
        key = tuple(_group_key(i, g) for g in groups)
        per_window[n][key] = per_window[n].get(key, Decimal(0)) + Decimal(str(i["Amount"]))
    results = []
    for (w_start, w_end), sums in zip(windows, per_window):
        window = {"TimePeriod": {"Start": w_start.isoformat(), "End": w_end.isoformat()}, "Estimated": False}
        if groups:
            window["Total"] = {}
            window["Groups"] = [
                {"Keys": list(k), "Metrics": {m: {"Amount": str(v), "Unit": unit} for m in metrics}}
                for k, v in sorted(sums.items())
            ]
        else:
            total = sum(sums.values(), Decimal(0))
            window["Total"] = {m: {"Amount": str(total), "Unit": unit} for m in metrics}
            window["Groups"] = []
        results.append(window)
    return {"ResultsByTime": results, "DimensionValueAttributes": [], "GroupDefinitions": groups}


def install() -> None:
    from moto.ce.models import CostExplorerBackend
    from moto.core.exceptions import JsonRESTError
    from moto.moto_api._internal.models import MotoAPIBackend

    original_set = MotoAPIBackend.set_ce_cost_usage
    original_get = CostExplorerBackend.get_cost_and_usage

    def set_ce_cost_usage(self: Any, result: dict[str, Any], account_id: str) -> None:
        if "LineItems" in result:
            store = _LINE_ITEMS.setdefault(account_id, {})
            for item in result["LineItems"]:
                store[_item_key(item)] = item
            return
        original_set(self, result=result, account_id=account_id)

    def get_cost_and_usage(self: Any, body: str) -> dict[str, Any]:
        items = _LINE_ITEMS.get(self.account_id)
        if not items:
            return original_get(self, body)
        try:
            return cost_and_usage(list(items.values()), json.loads(body))
        except (_BadRequest, KeyError, ValueError) as e:
            raise JsonRESTError("ValidationException", str(e)) from e

    def reset(self: Any) -> None:
        _LINE_ITEMS.clear()
        original_reset(self)

    original_reset = MotoAPIBackend.reset
    MotoAPIBackend.set_ce_cost_usage = set_ce_cost_usage  # type: ignore[method-assign]
    CostExplorerBackend.get_cost_and_usage = get_cost_and_usage  # type: ignore[method-assign]
    MotoAPIBackend.reset = reset  # type: ignore[method-assign]
