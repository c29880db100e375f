"""No code writes a mail's words: every subject and body is a template rendered by mail_texts.

An AST walk over platform/furusato and worker/ finds where a mail's text enters the outbox
(the subject and body given to `mail.queue`, the `subject` and `body_text` of outbox rows
inserted in bulk, what a `message_ref` renderer returns) and checks that each is the
`.subject` or `.body` of a `mail_texts.render(...)` result: a name assigned once from that call
in the same function, or a parameter typed MailText. So an f-string, a concatenation or a
helper that builds text is refused there, and the next mail goes to templates/mail/ too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from furusato.services import mail_texts

ROOT = Path(__file__).resolve().parents[2]
SOURCES = (ROOT / "platform/furusato", ROOT / "worker")
# mail.py stores what it is given; mail_texts.py is where MailText is made.
EXEMPT = {"platform/furusato/services/mail.py", "platform/furusato/services/mail_texts.py"}
FIELDS = {"subject": "subject", "body": "body", "body_text": "body"}  # argument -> MailText field


@dataclass(frozen=True)
class Site:
    where: str  # path:line
    what: str  # the argument, dict key or renderer
    problem: str  # "" when the text is a rendered template


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for source in SOURCES:
        for path in sorted(source.rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name not in EXEMPT:
                yield name, ast.parse(path.read_text(encoding="utf-8"))


def _is_attr(node: ast.AST, owner: str, attr: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == attr
        and isinstance(node.value, ast.Name)
        and node.value.id == owner
    )


def _is_render(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Call) and _is_attr(node.func, "mail_texts", "render")


def _functions(tree: ast.Module) -> Iterator[ast.FunctionDef]:
    yield from (node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef))


def _rendered_names(function: ast.FunctionDef) -> set[str]:
    """Names in `function` that hold a MailText: assigned once from mail_texts.render, or a
    parameter annotated MailText."""
    assigned: dict[str, list[ast.AST]] = {}
    for node in ast.walk(function):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr | ast.For):
            targets = [node.target]
        elif isinstance(node, ast.With):
            targets = [item.optional_vars for item in node.items if item.optional_vars]
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    assigned.setdefault(name.id, []).append(node)
    rendered = {
        name
        for name, nodes in assigned.items()
        if len(nodes) == 1 and isinstance(nodes[0], ast.Assign) and _is_render(nodes[0].value)
    }
    arguments = function.args.args + function.args.kwonlyargs
    typed = {
        arg.arg
        for arg in arguments
        if arg.annotation is not None
        and ast.unparse(arg.annotation) in ("MailText", "mail_texts.MailText")
        and arg.arg not in assigned
    }
    return rendered | typed


def _text_problem(value: ast.expr, field: str, rendered: set[str]) -> str:
    if (
        isinstance(value, ast.Attribute)
        and value.attr == field
        and isinstance(value.value, ast.Name)
        and value.value.id in rendered
    ):
        return ""
    return f"not the .{field} of a mail_texts.render(...) result: {ast.unparse(value)[:80]}"


def _sites_in(path: str, tree: ast.Module) -> Iterator[Site]:
    functions = {f.name: f for f in _functions(tree)}
    for function in _functions(tree):
        rendered = _rendered_names(function)
        for node in ast.walk(function):
            where = f"{path}:{getattr(node, 'lineno', function.lineno)}"
            if isinstance(node, ast.Call) and _is_attr(node.func, "mail", "queue"):
                for keyword in node.keywords:
                    if keyword.arg in ("subject", "body"):
                        field = FIELDS[keyword.arg]
                        problem = _text_problem(keyword.value, field, rendered)
                        yield Site(where, f"mail.queue({keyword.arg}=…)", problem)
            if isinstance(node, ast.Dict):
                keys = {
                    key.value: value
                    for key, value in zip(node.keys, node.values, strict=True)
                    if isinstance(key, ast.Constant)
                }
                if "body_text" in keys:  # an outbox row written without mail.queue
                    for key in ("subject", "body_text"):
                        value = keys.get(key)
                        problem = (
                            _text_problem(value, FIELDS[key], rendered)
                            if value is not None
                            else f"an outbox row without {key!r}"
                        )
                        yield Site(where, f"outbox row {key!r}", problem)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_attr(node.func, "mail", "register_message"):
            renderer = node.args[1] if len(node.args) > 1 else None
            where = f"{path}:{node.lineno}"
            found = functions.get(renderer.id) if isinstance(renderer, ast.Name) else None
            if found is None:
                yield Site(where, "register_message", "the renderer is not a function here")
                continue
            returns = [r for r in ast.walk(found) if isinstance(r, ast.Return)]
            bad = [r for r in returns if not _is_render(r.value)]
            problem = (
                f"{found.name} returns something other than mail_texts.render(...)"
                if bad or not returns
                else ""
            )
            yield Site(where, f"renderer {found.name}", problem)


def _all_sites() -> list[Site]:
    return [site for path, tree in _modules() for site in _sites_in(path, tree)]


def _string_building(node: ast.AST) -> bool:
    """An f-string, a literal string, `+`/`%` on a literal string, or str.join/format."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return any(
            isinstance(side, ast.JoinedStr)
            or (isinstance(side, ast.Constant) and isinstance(side.value, str))
            for side in (node.left, node.right)
        )
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("join", "format")
    )


def test_every_mail_text_is_a_rendered_template() -> None:
    """Every subject and body that reaches the outbox (mail.queue, the receipts' bulk rows,
    the confirmation's renderer) is a mail_texts.render result, not text built in code."""
    sites = _all_sites()
    # Today: seven mail.queue calls with a text, the receipts' rows, one renderer.
    assert len(sites) >= 7 * 2 + 2 + 1, "the walk found too few mail sites: has the code moved?"
    refused = [f"{s.where}: {s.what}: {s.problem}" for s in sites if s.problem]
    assert not refused, "write the mail as a template in templates/mail/:\n  " + "\n  ".join(
        refused
    )


def test_mail_texts_are_given_facts_not_sentences() -> None:
    """The values given to mail_texts.render are facts (objects, numbers, dates, links from
    shared helpers), never a sentence built with an f-string, a literal or a concatenation;
    each render names a template that exists, and each template is rendered somewhere."""
    built, named = [], set()
    for path, tree in _modules():
        for node in ast.walk(tree):
            if not _is_render(node):
                continue
            assert isinstance(node, ast.Call)
            first = node.args[0] if node.args else None
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), (
                f"{path}:{node.lineno}: name the template with a literal"
            )
            named.add(first.value)
            values = node.args[1:] + [k.value for k in node.keywords]
            built += [
                f"{path}:{node.lineno}: {ast.unparse(value)[:80]}"
                for value in values
                if any(_string_building(part) for part in ast.walk(value))
            ]
    assert not built, "put the words in the template:\n  " + "\n  ".join(built)
    templates = {path.stem for path in mail_texts.TEMPLATES.glob("*.txt")}
    assert named == templates, (named - templates, templates - named)


def test_only_mail_texts_makes_a_mail_text() -> None:
    """MailText is made by render alone, so a parameter typed MailText is a rendered template."""
    made = [
        f"{path}:{node.lineno}"
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("MailText")
    ]
    assert not made
