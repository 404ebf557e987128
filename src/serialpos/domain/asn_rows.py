"""What an ASN file reads into (documents, their rows, every problem with where it is) and
its limits. Reading it: asn_file.py (either format), asn_csv.py, asn_json.py, with the checks
every row gets in asn_checks.py.

Pure: what needs the catalogue or the ledger (unknown products, serial formats, serials the
ledger already knows, ASN ids already imported) is checked by services/asn/importing.py,
which adds its problems to these, so a refused file lists every problem at once with where
it is. The formats are documented in docs/asn.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from serialpos.domain.errors import DomainError

MAX_ASN_ID = 64  # the ledger's document id, and the event file's document id
MAX_VENDOR = 100
MAX_SKU = 64
MAX_CASE_PACK = 64
MAX_QUANTITY = 1_000_000
#: Most serials one file may list (a bigger shipment is split into several files).
MAX_SERIALS = 1_000_000
SERIAL_SEPARATOR = "|"

COLUMNS = ("ASN", "Vendor", "SKU", "Quantity", "Serials", "CasePack")
REQUIRED_COLUMNS = ("ASN", "Vendor", "SKU", "Quantity")
JSON_LINE_KEYS = frozenset({"sku", "quantity", "serials", "case_pack"})
JSON_ASN_KEYS = frozenset({"asn", "vendor", "lines"})


class AsnFileRefused(DomainError):
    """The file was refused whole; ``problems`` lists every problem found, each with where it
    is in the file. Nothing was imported."""

    code = "bad_asn_file"

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        count = len(problems)
        first = f": {problems[0]}" if problems else ""
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(
            f"ASN file {source} refused, {count} problem{'s' if count != 1 else ''}{first}{more}"
        )


@dataclass(frozen=True)
class Problem:
    where: str  # "line 7" (CSV) or "ASN A-1 line 3" (JSON); "file" for the whole file
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class AsnRow:
    """One line of an ASN as the file gives it, already checked in itself."""

    where: str
    asn: str
    sku: str
    quantity: int
    serials: tuple[str, ...] = ()
    case_pack: str | None = None


@dataclass
class AsnDoc:
    asn: str
    vendor: str
    where: str  # where the ASN first appears
    rows: list[AsnRow] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(r.quantity for r in self.rows)

    @property
    def serials(self) -> int:
        return sum(len(r.serials) for r in self.rows)


@dataclass
class ParsedAsnFile:
    docs: list[AsnDoc]
    problems: list[Problem]
