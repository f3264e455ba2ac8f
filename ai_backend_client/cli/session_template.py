"""``backend.ai session-template`` (alias ``sesstpl``): create, update, list, get, delete."""

from __future__ import annotations

import sys

import click

from ._output import as_dict, current, emit_json, emit_list, emit_mutation, fail

__all__ = ["session_template"]


def _read_template(file: str | None) -> str:
    if file:
        try:
            with open(file, encoding="utf-8") as f:
                return f.read()
        except OSError as e:
            fail(f"Cannot read the template file: {e.strerror or e}: {file}")
    if sys.stdin.isatty():
        fail("Give the template with -f FILE or on the standard input (e.g. < template.yaml).")
    text = sys.stdin.read()
    if not text.strip():
        fail("The template on the standard input is empty.")
    return text


@click.group(name="session-template")
def session_template() -> None:
    """Set of session template operations"""


_file_option = click.option(
    "-f",
    "--file",
    "file",
    metavar="PATH",
    help="Path to task template file. If not specified, client will try to read config from STDIN.",
)
_owner_option = click.option(
    "-o",
    "--owner",
    "--owner-access-key",
    "owner_access_key",
    metavar="ACCESS_KEY",
    help="Set the owner of the target session template explicitly.",
)


@session_template.command()
@_file_option
@click.option("-d", "--domain", help="Domain name of the template (default: config's domain).")
@click.option("-g", "--group", help="Group name of the template (default: config's group).")
@_owner_option
def create(
    file: str | None, domain: str | None, group: str | None, owner_access_key: str | None
) -> None:
    """Store task template to Backend.AI Manager and return template ID."""
    text = _read_template(file)
    with current().session() as api:
        tpl = api.SessionTemplate.create(
            text, domain_name=domain, group_name=group, owner_access_key=owner_access_key
        )
    emit_mutation(True, f"Task template {tpl.template_id} is created.", id=tpl.template_id)


@session_template.command()
@click.argument("template_id")
@_file_option
@_owner_option
def update(template_id: str, file: str | None, owner_access_key: str | None) -> None:
    """Update task template stored in Backend.AI Manager."""
    text = _read_template(file)
    with current().session() as api:
        api.SessionTemplate(template_id, owner_access_key=owner_access_key).put(text)
    emit_mutation(True, f"Task template {template_id} is updated.", id=template_id)


@session_template.command(name="list")
@click.option(
    "-a", "--list-all", is_flag=True, help="List all templates (superadmin privilege is required)."
)
def list_templates(list_all: bool) -> None:
    """List all available task templates by user."""
    with current().session() as api:
        items = [as_dict(t) for t in api.SessionTemplate.list_templates(list_all)]
    columns = [
        ("name", "Name"),
        ("id", "ID"),
        ("created_at", "Created At"),
        ("is_owner", "Owner"),
        ("user_email", "User"),
        ("group_name", "Group"),
        ("domain_name", "Domain"),
        ("type", "Type"),
    ]
    emit_list(items, columns)


@session_template.command()
@click.argument("template_id")
@click.option(
    "-f",
    "--format",
    "format_",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="Output format for task template.",
)
@_owner_option
def get(template_id: str, format_: str, owner_access_key: str | None) -> None:
    """Print task template associated with given template ID"""
    with current().session() as api:
        tpl = api.SessionTemplate(template_id, owner_access_key=owner_access_key)
        if current().json:
            emit_json(as_dict(tpl.get_info()))
            return
        text = tpl.get(body_format="json" if format_ == "json" else "yaml")
    click.echo(text, nl=not text.endswith("\n"))


@session_template.command()
@click.argument("template_id")
@click.option("-f", "--force", is_flag=True, help="Delete the template without asking.")
@_owner_option
def delete(template_id: str, force: bool, owner_access_key: str | None) -> None:
    """Delete task template from Backend.AI Manager."""
    if not force and not current().json and sys.stdin.isatty():
        click.confirm(f"Delete the task template {template_id}?", abort=True, err=True)
    with current().session() as api:
        api.SessionTemplate(template_id, owner_access_key=owner_access_key).delete()
    emit_mutation(True, f"Task template {template_id} is deleted.", id=template_id)
