"""Which query parameters a route takes (domain/query_params.py), without a server."""

from __future__ import annotations

import pytest

from serialpos.domain.errors import BadRequest
from serialpos.domain.query_params import QueryNames

STOCK = QueryNames(frozenset({"store", "sku"}), frozenset())
STATUS = QueryNames(frozenset(), frozenset({"id"}))


@pytest.mark.parametrize(
    ("names", "said"),
    [
        (["store", "store"], "the query parameter 'store' is given twice"),
        (["foo"], "unknown query parameter 'foo' (this route takes 'sku', 'store')"),
        (["Store"], "unknown query parameter 'Store' (did you mean 'store'?"),
        (["sku", "stor"], "unknown query parameter 'stor'"),
    ],
)
def test_an_unknown_or_repeated_name_is_refused_naming_it(names: list[str], said: str) -> None:
    with pytest.raises(BadRequest) as err:
        STOCK.check(names)
    assert said in err.value.message


def test_names_the_route_takes_pass_and_a_repeatable_one_may_repeat() -> None:
    STOCK.check(["store", "sku"])
    STOCK.check([])
    STATUS.check(["id", "id", "id"])
    with pytest.raises(BadRequest, match="this route takes 'id'"):
        STATUS.check(["ids"])
    with pytest.raises(BadRequest, match="this route takes none"):
        QueryNames(frozenset(), frozenset()).check(["x"])
