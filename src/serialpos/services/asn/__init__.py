"""Advance shipping notices: import (a bulk path), list, show, and receiving against one.

One module per job: ``views`` (the results shown, the list and one ASN's detail),
``importing`` (files to ``expected`` units; the bulk SQL is :mod:`serialpos.db.bulk`),
``receiving`` (:class:`AsnReceiving`, scans saved as made, completion), ``opening`` (the
checklist rebuilt from the ASN and its saved scans) and ``host_call`` (one call from a host
system). The names below are re-exported for callers that import the package.
"""

from __future__ import annotations

from serialpos.services.asn.host_call import ScanIn, receive_scans
from serialpos.services.asn.importing import (
    MAX_FILE_BYTES,
    import_asn_data,
    import_asn_file,
    import_parsed,
)
from serialpos.services.asn.opening import open_asn
from serialpos.services.asn.receiving import AsnReceiving
from serialpos.services.asn.views import (
    DOCUMENT_TYPE,
    AsnDetail,
    AsnLineView,
    AsnSummary,
    ImportedAsn,
    ImportResult,
    UnknownAsn,
    asn_detail,
    list_asns,
)

__all__ = [
    "DOCUMENT_TYPE",
    "MAX_FILE_BYTES",
    "AsnDetail",
    "AsnLineView",
    "AsnReceiving",
    "AsnSummary",
    "ImportResult",
    "ImportedAsn",
    "ScanIn",
    "UnknownAsn",
    "asn_detail",
    "import_asn_data",
    "import_asn_file",
    "import_parsed",
    "list_asns",
    "open_asn",
    "receive_scans",
]
