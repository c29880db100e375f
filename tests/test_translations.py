"""The English catalog: compiled as committed, complete for every Japanese msgid, used by pages."""

from __future__ import annotations

import ast
import gettext
import io
import re
from html.parser import HTMLParser

import pytest
from babel.messages.catalog import Catalog, Message
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from scripts import i18n
from tests.factories import make_project

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff01-\uff60]")
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[sdif]|\{[A-Za-z_]\w*\}")
HOW_TO_FIX = (
    "Run `make translations`, fill in the English msgstr in "
    "platform/furusato/translations/en/LC_MESSAGES/messages.po, run `make translations` again "
    "and commit the .pot, .po and .mo."
)


@pytest.fixture(scope="module")
def english() -> Catalog:
    return i18n.read_catalog(i18n.po_path("en"), "en")


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    return i18n.extract()


def strings(message: Message) -> tuple[str, ...]:
    value = message.string
    return tuple(value) if isinstance(value, list | tuple) else (value or "",)


def ids(message: Message) -> tuple[str, ...]:
    value = message.id
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def from_templates(message: Message) -> bool:
    return any(path.startswith("templates/") for path, _ in message.locations)


# --- the catalogs ------------------------------------------------------------------------------


def test_committed_mo_is_the_compiled_po(english: Catalog) -> None:
    """The committed .mo holds exactly what compiling the committed .po gives (no stale .mo)."""
    compiled = gettext.GNUTranslations(io.BytesIO(i18n.render_mo(english)))
    committed = gettext.GNUTranslations(io.BytesIO(i18n.mo_path("en").read_bytes()))
    want, have = compiled._catalog, committed._catalog  # type: ignore[attr-defined]
    stale = sorted(str(key) for key in want.keys() ^ have.keys())
    stale += sorted(str(key) for key in want.keys() & have.keys() if want[key] != have[key])
    assert not stale, f"messages.mo differs from messages.po for {stale[:10]}. {HOW_TO_FIX}"
    assert len(have) > 100


def test_every_extracted_msgid_has_an_english_translation(
    extracted: Catalog, english: Catalog
) -> None:
    """Every Japanese string marked in the code and templates has a non-fuzzy English msgstr,
    so adding a string without translating it fails here, naming the string."""
    missing = []
    for message in extracted:
        if not message.id:
            continue
        entry = english.get(message.id, message.context)
        if entry is None or entry.fuzzy or not all(s.strip() for s in strings(entry)):
            where = ", ".join(sorted({path for path, _ in message.locations}))
            missing.append(f"{ids(message)[0]!r} ({where})")
    assert not missing, (
        f"{len(missing)} Japanese string(s) without an English translation:\n  "
        + "\n  ".join(missing)
        + f"\n{HOW_TO_FIX}"
    )


def test_translations_keep_placeholders_and_format(english: Catalog) -> None:
    """Each translation keeps the msgid's placeholders and formats like it: templates use
    newstyle gettext, so every template string goes through %-formatting (a literal % is %%)."""
    problems = [f"{m.id!r}: {error}" for m, errors in english.check() for error in errors]
    for message in english:
        if not message.id or not any(strings(message)):
            continue
        wanted = set(PLACEHOLDER.findall(ids(message)[0]))
        for text in strings(message):
            if set(PLACEHOLDER.findall(text)) != wanted:
                problems.append(f"{message.id!r}: placeholders {wanted} but {text!r}")
            if from_templates(message) or message.python_format:
                names = {name: 1 for name in re.findall(r"%\((\w+)\)", text)}
                try:
                    text % names
                except (TypeError, ValueError, KeyError) as exc:
                    problems.append(f"{message.id!r}: {text!r} does not format ({exc})")
    assert not problems, "\n".join(problems)


def test_english_is_english(english: Catalog) -> None:
    """No English msgstr is left in Japanese (a copied msgid is not a translation); the only
    Japanese allowed is quoted input the user must type in Japanese."""
    allowed = {"カ）イズミサノタオル", "お得", "還元", "ポイント", "〓"}
    leftovers = []
    for message in english:
        for text in strings(message) if message.id else ():
            rest = text
            for word in allowed:
                rest = rest.replace(word, "")
            if JAPANESE.search(rest):
                leftovers.append(f"{message.id!r} -> {text!r}")
    assert not leftovers, "\n".join(leftovers)


# --- the pages ---------------------------------------------------------------------------------


class _Region(HTMLParser):
    """Visible text and labelling attributes inside the first <tag> element that has the
    given attributes, skipping
    elements marked with a `lang` of their own (the language switch names the other language
    in that language, as it should)."""

    VOID = {"input", "img", "br", "meta", "link", "hr", "source", "area", "wbr"}
    LABELS = ("aria-label", "placeholder", "title", "alt")

    def __init__(self, tag: str, match: dict[str, str]) -> None:
        super().__init__()
        self.tag = tag
        self.match = match
        self.depth = 0
        self.done = False
        self.skip_depth: int | None = None
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        found = dict(attrs)
        if self.depth == 0 and (
            tag != self.tag or any(found.get(k) != v for k, v in self.match.items())
        ):
            return
        if self.skip_depth is None and self.depth > 0 and "lang" in found:
            if tag not in self.VOID:
                self.skip_depth = self.depth
        if self.skip_depth is None:
            self.parts.extend(found[name] or "" for name in self.LABELS if name in found)
        if tag not in self.VOID:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self.done or self.depth == 0 or tag in self.VOID:
            return
        self.depth -= 1
        if self.skip_depth is not None and self.depth <= self.skip_depth:
            self.skip_depth = None
        if self.depth == 0:
            self.done = True

    def handle_data(self, data: str) -> None:
        if self.depth > 0 and not self.done and self.skip_depth is None:
            self.parts.append(data)


def region(page: str, tag: str, **match: str) -> str:
    parser = _Region(tag, match)
    parser.feed(page)
    return re.sub(r"\s+", " ", " ".join(parser.parts)).strip()


def get(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_login_page_in_english_with_the_cookie(client: FlaskClient, db: Session) -> None:
    """With lang=en the login page, its navigation and its lazily translated form labels are
    English, with no Japanese left in the navigation or the page body."""
    client.set_cookie("lang", "en")
    page = get(client, "/login")
    nav, main = region(page, "nav"), region(page, "main")
    assert '<html lang="en">' in page
    assert "Main menu" in nav and "Log in" in nav and "Sign up" in nav and "Projects" in nav
    assert not JAPANESE.search(nav), nav
    assert "Email address" in main and "Password" in main and "No account yet?" in main
    assert not JAPANESE.search(main), main
    assert 'href="/lang/ja?next=/login" lang="ja" hreflang="ja" rel="nofollow">日本語</a>' in page


def test_projects_page_in_english_with_the_cookie(client: FlaskClient, db: Session) -> None:
    """With lang=en the project list shows English headings, filters and card labels; only
    the projects' own content stays Japanese."""
    make_project(db, title="泉州タオルの新商品")
    client.set_cookie("lang", "en")
    page = get(client, "/projects")
    nav, search = region(page, "nav"), region(page, "form", role="search")
    assert not JAPANESE.search(nav), nav
    assert "All projects" in page and "Supporters" in page and "泉州タオルの新商品" in page
    assert "Keyword" in search and "Sort by" in search and "Newest first" in search
    assert "e.g. towel" in search and not JAPANESE.search(search), search


def test_pages_are_japanese_without_a_cookie(client: FlaskClient, db: Session) -> None:
    """Without a cookie the default is Japanese: the same pages show the msgids."""
    make_project(db)
    login_page = get(client, "/login")
    assert '<html lang="ja">' in login_page
    nav = region(login_page, "nav")
    assert "ログイン" in nav and "新規登録" in nav and "Log in" not in nav
    assert "メールアドレス" in region(login_page, "main")
    assert (
        'href="/lang/en?next=/login" lang="en" hreflang="en" rel="nofollow">English</a>'
        in login_page
    )
    projects = get(client, "/projects")
    assert "プロジェクト一覧" in projects and "キーワード" in projects
    assert "All projects" not in projects


def test_language_switch_sets_the_cookie_both_ways(client: FlaskClient, db: Session) -> None:
    """The header's link GET /lang/en stores the choice and returns to the page, which is then
    English; GET /lang/ja switches back. A `next` off the site returns to the home page."""
    response = client.get("/lang/en?next=/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "Log in" in region(get(client, "/login"), "nav")
    client.get("/lang/ja?next=/login")
    assert "ログイン" in region(get(client, "/login"), "nav")
    away = client.get("/lang/en?next=https://evil.example/")
    assert away.status_code == 302 and away.headers["Location"] in ("/", "http://localhost/")


def test_a_visitor_without_a_session_reads_public_pages_without_getting_one(
    client: FlaskClient, db: Session
) -> None:
    """The language switch is a link, not a form: public pages carry no CSRF token for a
    visitor who has no session, so reading them sets no cookie (nothing to sign per visitor)."""
    project = make_project(db)
    for url in ("/", "/projects", f"/projects/{project.id}", "/login"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Set-Cookie" not in response.headers, (url, response.headers["Set-Cookie"])
        assert 'name="csrf_token"' not in response.get_data(as_text=True) or url == "/login"


# --- the services' messages --------------------------------------------------------------------

SERVICE_SOURCES = ("platform/furusato/services", "platform/furusato/domain")
FSTRING = "<f-string>"


def _name(node: ast.expr) -> str | None:
    return getattr(node, "id", None) or getattr(node, "attr", None)


def _literal(node: ast.expr | None) -> str | None:
    """The text of "…" or of N_("…", …); None for a message computed elsewhere."""
    if isinstance(node, ast.Call) and _name(node.func) == "N_" and node.args:
        node = node.args[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def service_messages() -> list[tuple[str, int, str]]:
    """(path, line, text) of every literal message given to a ServiceError class (found by
    walking the class definitions) under services/ and domain/: its message, and the Japanese
    values of a literal `fields` dict (English values there are codes for API clients). A
    message written as an f-string is listed with the text FSTRING."""
    trees = {
        path.relative_to(i18n.ROOT).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
        for source in SERVICE_SOURCES
        for path in sorted((i18n.ROOT / source).rglob("*.py"))
    }
    errors = {"ServiceError"}
    while True:
        found = {
            node.name
            for tree in trees.values()
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef) and errors & {_name(b) for b in node.bases}
        }
        if found <= errors:
            break
        errors |= found
    out = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _name(node.func) in errors):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            message = node.args[0] if node.args else keywords.get("message")
            texts = [FSTRING if isinstance(message, ast.JoinedStr) else _literal(message)]
            fields = keywords.get("fields")
            if isinstance(fields, ast.Dict):
                texts += [t for t in map(_literal, fields.values) if t and JAPANESE.search(t)]
            out += [(path, node.lineno, text) for text in texts if text]
    return out


def test_every_service_message_has_an_english_translation(english: Catalog) -> None:
    """Every literal message a service or the domain refuses with has an English msgstr, so no
    refusal reaches an English page in Japanese. A message the extractor does not see (a new
    ServiceError class missing from scripts/i18n.py's KEYWORDS, a field message without N_)
    fails here, naming where it is written."""
    messages = service_messages()
    assert len(messages) > 100, "the walk found too few raise sites: has the code moved?"
    fstrings = [f"{path}:{line}" for path, line, text in messages if text == FSTRING]
    assert not fstrings, (
        "an f-string message cannot be translated; write N_('…%(name)s…', name=value): "
        + ", ".join(fstrings)
    )
    missing: dict[tuple[str, str], int] = {}
    for path, line, text in messages:
        entry = english.get(text)
        if entry is None or entry.fuzzy or not all(s.strip() for s in strings(entry)):
            missing.setdefault((path, text), line)
    untranslated = [
        f"{path}:{line}: {text!r}"
        for (path, text), line in sorted(missing.items())
    ]
    assert not untranslated, (
        f"{len(untranslated)} service message(s) without an English translation:\n  "
        + "\n  ".join(untranslated)
        + "\nMark a constant or a field message with N_ (furusato.services.errors), add a new "
        "ServiceError class to KEYWORDS in scripts/i18n.py, then: " + HOW_TO_FIX
    )
