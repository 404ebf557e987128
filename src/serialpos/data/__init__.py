"""Files shipped inside the package: the demo catalogue, sample feeds and ASNs, and the example
terminal config. Read through :func:`sample`, so they are found in a wheel install as in a
source checkout (``serialpos samples`` lists them and copies them out)."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

#: Every shipped file, in the order ``serialpos samples`` lists them.
SAMPLES = (
    "terminal.example.toml",
    "demo_products.csv",
    "sample_product_feed.csv",
    "sample_mass_upload.csv",
    "sample_asn.csv",
    "sample_asn.json",
)


def sample(name: str) -> Traversable:
    """A shipped file by name (it may live inside a zip: read it, do not open it by path)."""
    if name not in SAMPLES:
        raise KeyError(name)
    return resources.files(__name__) / name
