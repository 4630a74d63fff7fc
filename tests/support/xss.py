"""Cross-site scripting in tests: a corpus of payloads and checks that find live markup.

Every payload, if it ever ran, would set the same canary (``window.__xss``) and most would also
open a dialog (``alert``), so a browser check needs to look for exactly two things. Short
payloads (at most 20 characters, the shortest text fields) use the bare global ``__xss``.

The checks read HTML with the standard library's parser, which ends a ``<script>`` element at
the first ``</script>`` like a browser does. What they call a finding is markup that a
payload could have brought into the page: a script element other than ours, an element that
runs or loads something (``iframe``, ``svg``, ``base``, …), an ``on…`` attribute, an inline
``style``, or a link whose address (read like a browser: whitespace and control characters
anywhere are ignored, case does not matter) starts with ``javascript:``, ``data:`` or
``vbscript:``. Our own pages never contain any of these, so any finding is an injection.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser

#: the global every payload sets
CANARY = "__xss"
#: what the longer payloads run
FIRE = "window.__xss=1;alert(1)"


@dataclass(frozen=True)
class Payload:
    """One attack string; ``name`` identifies it in reports. ``markup``: it attacks HTML (an
    element or an attribute breakout), so an unescaped copy in a page is live markup; the
    others aim at templates, scripts or spreadsheets and must simply stay literal."""

    name: str
    text: str
    markup: bool = True


#: markup and breakouts, for every text field (each at most 100 characters: the shortest
#: translatable field, a link's label, holds 100)
TEXT_PAYLOADS: tuple[Payload, ...] = (
    Payload("script element", f"<script>{FIRE}</script>"),
    Payload("img onerror", f'<img src=x onerror="{FIRE}">'),
    Payload("svg onload", f"<svg onload={FIRE}>"),
    Payload("script inside svg", f"<svg><script>{FIRE}</script></svg>"),
    Payload("double-quoted attribute breakout", f'"><script>{FIRE}</script>'),
    Payload("single-quoted attribute breakout", f"' onmouseover='{FIRE}"),
    Payload("unquoted attribute breakout", f"x onfocus={FIRE} autofocus"),
    Payload("javascript: link", f'<a href="javascript:{FIRE}">x</a>'),
    Payload("mixed-case javascript: link", f'<a href="JaVaScRiPt:{FIRE}">x</a>'),
    Payload("entity-encoded javascript: link", f'<a href="&#106;avascript:{FIRE}">x</a>'),
    Payload("javascript: link with a tab", f'<a href="java&#9;script:{FIRE}">x</a>'),
    Payload("data: link", f'<a href="data:text/html,<script>{FIRE}</script>">x</a>'),
    Payload("allowed link with onclick", f'<a href="https://ok.example/" onclick="{FIRE}">x</a>'),
    Payload("iframe javascript:", f'<iframe src="javascript:{FIRE}"></iframe>'),
    Payload("mXSS math/style", f"<math><mtext><table><mglyph><style><img src=x onerror={FIRE}>"),
    Payload("mXSS noscript", f'<noscript><p title="</noscript><img src=x onerror={FIRE}>">'),
    Payload("JSON-LD breakout", f"</script><script>{FIRE}</script>"),
    Payload("JSON-LD breakout after line separators",
            f"a\u2028b\u2029</script><script>{FIRE}</script>"),
    Payload("textarea breakout", f"</textarea><script>{FIRE}</script>"),
    Payload("title breakout", f"</title><script>{FIRE}</script>"),
    Payload("comment breakout", f"--><script>{FIRE}</script><!--"),
    Payload("split script tag", f"<scr<script>ipt>{FIRE}</scr</script>ipt>"),
    Payload("style @import", "<style>@import 'javascript:window.__xss=1';</style>"),
    Payload("inline style url()", '<p style="background:url(javascript:window.__xss=1)">x</p>'),
    Payload("base element", '<base href="//evil.example/">'),
    Payload("meta refresh", f'<meta http-equiv="refresh" content="0;url=javascript:{FIRE}">'),
    Payload("details ontoggle", f"<details open ontoggle={FIRE}>"),
    Payload("button formaction", f"<form><button formaction=javascript:{FIRE}>x</button></form>"),
    Payload("input autofocus", f"<input autofocus onfocus={FIRE}>"),
    Payload("svg animate onbegin", f"<svg><animate onbegin={FIRE} attributeName=x dur=1s>"),
    Payload("video source onerror", f"<video><source onerror={FIRE}></video>"),
    Payload("object data:", '<object data="data:text/html,<script>window.__xss=1</script>">'),
    Payload("javascript: as plain text", f"javascript:{FIRE}", markup=False),
    Payload("JavaScript string breakout", f"';{FIRE};//\";{FIRE};//", markup=False),
    Payload("Jinja expression", "{{7*7}}", markup=False),
    Payload("Jinja config", "{{config.SECRET_KEY}}{{config}}", markup=False),
    Payload("JavaScript template literal", "${7*7}", markup=False),
    Payload("ERB/Ruby interpolation", "<%= 7*7 %>#{7*7}", markup=False),
    Payload("spreadsheet HYPERLINK formula", '=HYPERLINK("https://evil.example/","x")',
            markup=False),
    Payload("spreadsheet DDE formula", "+1+cmd|' /C calc'!A0", markup=False),
    Payload("spreadsheet minus formula", "-2+3+cmd|' /C calc'!A0", markup=False),
    Payload("spreadsheet @ formula", "@SUM(1+1)*cmd|' /C calc'!A0", markup=False),
)

#: for the fields of at most 20 characters (house number, postal code, level)
SHORT_PAYLOADS: tuple[Payload, ...] = (
    Payload("short svg onload", "<svg onload=__xss=1>"),
    Payload("short quote breakout", "'onfocus='__xss=1"),
    Payload("short unquoted breakout", "x onfocus=__xss=1"),
    Payload("short script", "<script>__xss=1"),
    Payload("short formula", "=1+1", markup=False),
)

#: web addresses that must be refused wherever a web address is stored
REFUSED_URLS: tuple[Payload, ...] = (
    Payload("javascript:", f"javascript:{FIRE}"),
    Payload("JavaScript: in mixed case", f"JaVaScRiPt:{FIRE}"),
    Payload("leading space", f" javascript:{FIRE}"),
    Payload("leading control character", f"\x01javascript:{FIRE}"),
    Payload("tab inside the scheme", f"java\tscript:{FIRE}"),
    Payload("newline inside the scheme", f"java\nscript:{FIRE}"),
    Payload("javascript: that looks like http", f"javascript://ok.example/%0A{FIRE}"),
    Payload("data: HTML", f"data:text/html,<script>{FIRE}</script>"),
    Payload("data: base64", "data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTwvc2NyaXB0Pg=="),
    Payload("vbscript:", "vbscript:msgbox(1)"),
    Payload("scheme-relative", "//evil.example/"),
    Payload("backslashes", "https:\\\\evil.example\\"),
    Payload("relative", "/shops/../evil"),
    Payload("credentials", "https://ok.example@evil.example/"),
    Payload("space in the address", f"https://ok.example/x onfocus={FIRE} autofocus"),
    Payload("file:", "file:///etc/passwd"),
)

#: absolute http(s) addresses carrying breakout characters: a validator may accept them, so
#: wherever they are shown they must stay one quoted, escaped attribute value
HTTP_URLS: tuple[Payload, ...] = (
    Payload("http address with a script breakout", f'https://ok.example/"><script>{FIRE}</script>'),
    Payload("http address with a quote breakout", f"https://ok.example/'onmouseover='{FIRE}'"),
    Payload("http address with an svg in the query", f"https://ok.example/?q=<svg/onload={FIRE}>"),
    Payload("http address with an attribute breakout in the fragment",
            f'https://ok.example/#"onfocus="{FIRE}"autofocus="'),
    Payload("http address with a template", "http://ok.example/{{7*7}}/${7*7}"),
)

#: elements no page of ours contains and no payload may bring in
FORBIDDEN_ELEMENTS = frozenset({
    "iframe", "frame", "frameset", "object", "embed", "applet", "base", "svg", "math", "style",
    "portal", "template", "marquee", "video", "audio", "source", "animate", "set", "noscript",
    "xmp", "plaintext", "listing", "mglyph", "mtext",
})
#: attributes whose value a browser follows or loads as an address
URL_ATTRIBUTES = frozenset({
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
    "cite", "longdesc", "ping", "manifest", "codebase", "srcset", "lowsrc", "dynsrc",
})
DANGEROUS_SCHEMES = ("javascript:", "data:", "vbscript:")
#: where our own scripts come from
OWN_SCRIPT_PREFIXES = ("/assets/", "/viewer/")
JSON_LD_TYPE = "application/ld+json"
#: characters a browser drops from anywhere in an address before reading its scheme
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]")


def is_dangerous_url(value: str) -> bool:
    """Whether a browser would read ``value`` as a script, inline document or VBScript."""
    squeezed = _IGNORED_IN_URLS.sub("", value).lower()
    return squeezed.startswith(DANGEROUS_SCHEMES)


@dataclass
class PageScan:
    """What :func:`scan_html` found in one document."""

    findings: list[str] = field(default_factory=list)
    #: every text node (entities decoded, script contents excluded)
    texts: list[str] = field(default_factory=list)
    #: every attribute value (entities decoded)
    attribute_values: list[str] = field(default_factory=list)
    #: the raw contents of ``<script type="application/ld+json">`` elements
    json_ld: list[str] = field(default_factory=list)
    #: (tag, attributes) of every start tag, for callers that look for particular elements
    elements: list[tuple[str, dict[str, str | None]]] = field(default_factory=list)

    def shows(self, text: str) -> bool:
        """Whether ``text`` appears literally in a text node or an attribute value."""
        return any(text in chunk for chunk in self.texts) or any(
            text in value for value in self.attribute_values)

    def shows_as_text(self, text: str) -> bool:
        return any(text in chunk for chunk in self.texts)


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scan = PageScan()
        self._text: list[str] = []
        self._script: list[str] | None = None
        self._script_is_json_ld = False

    def _flush_text(self) -> None:
        if self._text:
            self.scan.texts.append("".join(self._text))
            self._text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush_text()
        self._check_element(tag, attrs)
        if tag == "script":
            self._script = []
            self._script_is_json_ld = (dict(attrs).get("type") or "").lower() == JSON_LD_TYPE

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush_text()
        self._check_element(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        self._flush_text()
        if tag == "script" and self._script is not None:
            body = "".join(self._script)
            if self._script_is_json_ld:
                self.scan.json_ld.append(body)
            elif body.strip():
                self.scan.findings.append(f"inline script: {body[:80]!r}")
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script.append(data)
        else:
            self._text.append(data)

    def handle_comment(self, data: str) -> None:
        self._flush_text()

    def close(self) -> None:
        super().close()
        self._flush_text()

    def _check_element(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.scan.elements.append((tag, attributes))
        findings = self.scan.findings
        if tag == "script":
            src = attributes.get("src") or ""
            own = src.startswith(OWN_SCRIPT_PREFIXES) and not src.startswith("//")
            json_ld = (attributes.get("type") or "").lower() == JSON_LD_TYPE and not src
            if not (own or json_ld):
                findings.append(f"script element {attributes!r}")
        if tag in FORBIDDEN_ELEMENTS:
            findings.append(f"<{tag}> element {attributes!r}")
        if tag == "meta" and "http-equiv" in attributes:
            findings.append(f"<meta http-equiv> {attributes!r}")
        if tag == "link" and "stylesheet" in (attributes.get("rel") or "").lower().split() and \
                not (attributes.get("href") or "").startswith("/assets/"):
            findings.append(f"foreign stylesheet {attributes!r}")
        for name, value in attrs:
            self.scan.attribute_values.append(value or "")
            if name.startswith("on"):
                findings.append(f"<{tag} {name}=…> event handler: {value!r}")
            elif name in ("style", "srcdoc"):
                findings.append(f"<{tag} {name}=…>: {value!r}")
            elif name in URL_ATTRIBUTES and value and is_dangerous_url(value):
                findings.append(f"<{tag} {name}={value!r}> dangerous address")


def scan_html(html: str) -> PageScan:
    """Read ``html`` like a browser's tokenizer would and report what it holds."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    scan = scanner.scan
    for block in scan.json_ld:
        try:
            json.loads(block)
        except ValueError as exc:
            scan.findings.append(f"a JSON-LD block that does not parse ({exc}): {block[:80]!r}")
    return scan


def sanitised_html_findings(fragment: str, *, tags: Iterable[str],
                            attributes: dict[str, set[str]], schemes: Iterable[str]
                            ) -> list[str]:
    """What in an HTML fragment a sanitiser with these allow-lists should have removed.

    ``rel`` is allowed on links (the sanitiser adds it); an address with a scheme must use one
    of ``schemes``."""
    allowed_tags = set(tags)
    allowed_schemes = {scheme.lower() for scheme in schemes}
    scan = scan_html(fragment)
    findings = list(scan.findings)
    for tag, attrs in scan.elements:
        if tag not in allowed_tags:
            findings.append(f"<{tag}> is not allowed")
        allowed = attributes.get(tag, set()) | ({"rel"} if tag == "a" else set())
        for name, value in attrs.items():
            if name not in allowed:
                findings.append(f"<{tag} {name}> is not allowed")
            elif name == "href" and value:
                scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", _IGNORED_IN_URLS.sub("", value))
                if scheme and scheme.group(1).lower() not in allowed_schemes:
                    findings.append(f"<a href={value!r}> uses another scheme")
    return findings


#: first characters that make a spreadsheet run a cell as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def formula_cells(csv_text: str) -> list[str]:
    """The cells of a CSV file a spreadsheet would run as formulas (numbers are numbers)."""
    rows = csv.reader(io.StringIO(csv_text.removeprefix("\ufeff")))
    return [cell for row in rows for cell in row
            if cell.startswith(FORMULA_STARTS) and not _is_number(cell)]


def as_stored(text: str) -> str:
    """A text as the services store it (Unicode NFC, trimmed): what pages must show."""
    return unicodedata.normalize("NFC", text).strip()


def fitting(payload: Payload, max_length: int, index: int) -> str:
    """``payload`` when the field holds it, else a short payload (for 20-character fields)."""
    if len(payload.text) <= max_length:
        return payload.text
    short = [candidate for candidate in SHORT_PAYLOADS if len(candidate.text) <= max_length]
    return short[index % len(short)].text


@dataclass(frozen=True)
class Figure:
    """How many payloads stayed live in one place (the answer must be 0)."""

    place: str
    surviving: int
    total: int
    renderings: int

    def line(self) -> str:
        return (f"{self.place}: {self.surviving}/{self.total} payloads surviving "
                f"({self.renderings} responses checked)")


#: the figures of this run, printed at the end (tests/security/conftest.py)
FIGURES: list[Figure] = []


def record_figure(place: str, surviving: Iterable[str], total: int, renderings: int) -> Figure:
    """Note the figure of ``place`` (``surviving``: names of payloads found live) and print
    it (visible with ``pytest -s``; the run's summary lists every figure)."""
    figure = Figure(place, len(set(surviving)), total, renderings)
    FIGURES.append(figure)
    print(f"XSS {figure.line()}")
    return figure
