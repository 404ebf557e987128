"""GS1: element strings (FNC1-separated AIs), Digital Link URLs and typed HRI, each checked.

Every reader returns the element strings or raises ``Unreadable`` with a reason a cashier can
act on and the fields read before the problem.
"""

from __future__ import annotations

import re
from typing import Final

from biip import ParseConfig, ParseError
from biip.gs1_application_identifiers import GS1ApplicationIdentifier
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gs1_element_strings import GS1ElementString
from biip.gs1_messages import GS1Message

from serialpos.domain.decoder.scan import (
    CSET82_RE,
    GS,
    GS1Fields,
    Unreadable,
    gs_substitute_error,
    gtin_problem,
    is_control,
    preview,
)


def gs1_fields(elements: list[GS1ElementString]) -> GS1Fields:
    gtin = serial = batch = expiry = None
    for element in elements:
        match element.ai.ai:
            case "01":
                gtin = element.value
            case "21":
                serial = element.value
            case "10":
                batch = element.value
            case "17":
                expiry = element.date.isoformat() if element.date else None
    return GS1Fields(gtin=gtin, serial=serial, batch=batch, expiry=expiry)


def _label(ai: GS1ApplicationIdentifier) -> str:
    return f"GS1 {ai} {ai.data_title}"


_SIMPLE_FORMAT_RE: Final = re.compile(r"([NX])(\.\.)?(\d+)")


def _describe_format(ai: GS1ApplicationIdentifier) -> str:
    parts = ai.format.split("+")[1:]
    simple = _SIMPLE_FORMAT_RE.fullmatch(parts[0]) if len(parts) == 1 else None
    if simple is None:
        return f"needs the format {'+'.join(parts)}"
    unit = "digits" if simple.group(1) == "N" else "characters"
    return f"needs {'up to ' if simple.group(2) else ''}{simple.group(3)} {unit}"


_DATE_AIS: Final = frozenset(
    ("11", "12", "13", "15", "16", "17", "4324", "4325", "4326", "7003", "7006", "7007", "7011")
)


def _hint(char: str) -> str:
    if gs_substitute_error(char) is None and char.isprintable():
        return f"; if the scanner sends {char!r} for FNC1, set it as the GS substitute"
    return ""


def _element_error(rest: str, previous: GS1ElementString | None, seps: str) -> str:
    """Explain why no element string could be read at the start of ``rest``."""
    head = rest[0]
    if not ("0" <= head <= "9"):
        if previous is None:
            return f"GS1 data must start with an application identifier, got {preview(rest)}"
        return f"unexpected {head!r} in GS1 data after {_label(previous.ai)}{_hint(head)}"
    try:
        ai = GS1ApplicationIdentifier.extract(rest)
    except ParseError:
        return f"unknown GS1 application identifier at {preview(rest)}"
    body = rest[len(ai.ai) :]
    for sep in seps:
        body = body.split(sep, 1)[0]
    if re.match(ai.pattern.removesuffix("$"), ai.ai + body) is None:
        bad = CSET82_RE.sub("", body[:1])
        if bad and "X" in ai.format.partition("+")[2]:
            return f"{_label(ai)} contains {bad!r}, which GS1 does not allow{_hint(bad)}"
        return f"{_label(ai)} {_describe_format(ai)}, got {preview(body)}"
    if ai.ai in _DATE_AIS:
        return f"{_label(ai)} is not a valid date: {preview(body)}"
    return f"{_label(ai)} could not be read: {preview(body)}"


def _check_element(element: GS1ElementString) -> str | None:
    """Why a syntactically fine element string is still wrong (check digits), or None."""
    if element.ai.ai in ("01", "02", "03"):
        problem = gtin_problem(element.value) if len(element.value) == 14 else None
        if problem and element.ai.ai == "01":
            return problem
        if problem or element.gtin_error:
            return f"{_label(element.ai)}: {problem or element.gtin_error}"
    for error in (element.sscc_error, element.gln_error):
        if error:
            return f"{_label(element.ai)}: {error}"
    return None


def read_element_strings(data: str, seps: str, config: ParseConfig) -> list[GS1ElementString]:
    """Every element string in ``data``, or raise ``Unreadable`` with what was read so far."""
    elements: list[GS1ElementString] = []
    seen: dict[str, str] = {}
    rest = data.lstrip(seps)  # a leading FNC1 is sometimes transmitted as GS
    if not rest:
        raise Unreadable("GS1 barcode without data")
    while rest:
        previous = elements[-1] if elements else None
        try:
            element = GS1ElementString.extract(rest, config=config)
        except ParseError:
            raise Unreadable(_element_error(rest, previous, seps), gs1_fields(elements)) from None
        rest = rest[len(element) :]
        if rest and rest[0] in seps:
            rest = rest.lstrip(seps)
        elif rest and element.ai.separator_required:
            # GS1 requires FNC1 after every variable-length field but the last. Without it the
            # field either ran over its maximum length or swallowed an unexpected character.
            char = rest[0]
            reason = f"missing group separator (FNC1) after {_label(element.ai)}"
            if CSET82_RE.match(char):
                reason += f" or the value is too long: {preview(element.value + rest)}"
            else:
                reason += f": found {char!r}{_hint(char)}"
            raise Unreadable(reason, gs1_fields(elements))
        problem = _check_element(element)
        if problem is None and seen.get(element.ai.ai, element.value) != element.value:
            problem = f"GS1 data repeats {element.ai} with different values"
        if problem:
            raise Unreadable(problem, gs1_fields(elements))
        seen[element.ai.ai] = element.value
        elements.append(element)
    return elements


def read_digital_link(data: str, config: ParseConfig) -> list[GS1ElementString]:
    try:
        link = GS1DigitalLinkURI.parse(data, config=config)
    except (ParseError, ValueError) as exc:  # urlsplit raises ValueError on a broken host
        # biip's messages end with the regular expression; a cashier needs only the start.
        reason = re.sub(r" pattern '.*", ".", str(exc))
        raise Unreadable(f"not a valid GS1 Digital Link: {reason}") from None
    elements = list(link.element_strings)
    seen: dict[str, str] = {}
    for index, element in enumerate(elements):
        problem = _check_element(element)
        if problem is None and seen.setdefault(element.ai.ai, element.value) != element.value:
            problem = f"GS1 Digital Link repeats {element.ai} with different values"
        if problem:
            raise Unreadable(problem, gs1_fields(elements[:index]))
    return elements


def read_hri(data: str, config: ParseConfig) -> list[GS1ElementString] | None:
    """GS1 typed as printed under the barcode, ``(01)...(21)...``; None unless it all reads."""
    try:
        message = GS1Message.parse_hri(data, config=config)
    except ParseError:
        return None
    elements = list(message.element_strings)
    # parse_hri silently skips text it cannot match; accept only a lossless round trip.
    if message.as_hri() != data or any(_check_element(e) for e in elements):
        return None
    return elements


_DEFAULT_CONFIG: Final = (GS, ParseConfig(separator_chars=(GS,)))
_CONFIGS: dict[str, tuple[str, ParseConfig]] = {}


def separators(substitute: str | None) -> tuple[str, ParseConfig]:
    """The separator characters and biip config for one substitute, built once and kept.

    A control-character substitute is not listed: ``classify._decode_text`` turns it into GS first,
    because every other control character makes a scan unreadable.
    """
    if substitute is None or substitute == GS:
        return _DEFAULT_CONFIG
    cached = _CONFIGS.get(substitute) if isinstance(substitute, str) else None
    if cached is None:
        error = gs_substitute_error(substitute)
        if error:
            raise Unreadable(f"scanner configuration: {error}")
        if is_control(substitute):
            cached = _DEFAULT_CONFIG
        else:
            cached = (GS + substitute, ParseConfig(separator_chars=(GS, substitute)))
        if len(_CONFIGS) < 64:  # a terminal has one or two; never grow without bound
            _CONFIGS[substitute] = cached
    return cached
