"""Pages as HTML: a notebook exported for reviewers (nbconvert), and the build's own pages (Jinja templates)."""

from __future__ import annotations

import functools
import html
import re
import threading
from collections.abc import Mapping
from pathlib import Path

import nbformat

from .markup import enhance

TEMPLATES = Path(__file__).parent / "templates"


@functools.cache
def _exporter_class() -> type:
    """nbconvert's HTML exporter without its BeautifulSoup pass over the finished page.

    That pass only adds image alt text and keyboard focus, and took about 8 s
    on a 5 MB page; :func:`review.build.markup.enhance` adds both in its own
    single pass over the page. Everything else is nbconvert's own code.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReviewerExporter(HTMLExporter):  # type: ignore[misc]
        def from_notebook_node(self, nb, resources=None, **kw):  # type: ignore[no-untyped-def]
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ReviewerExporter


_EXPORTING = threading.Lock()


@functools.cache
def _exporter() -> object:
    """The one exporter every page goes through (called under ``_EXPORTING``)."""
    return _exporter_class()(
        template_name="reviewer",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def asset(name: str) -> str:
    """A stylesheet or script shipped with the package (templates/)."""
    return (TEMPLATES / name).read_text(encoding="utf-8")


def export_page(nb: nbformat.NotebookNode, title: str, footer: str, labels: Mapping[str, str] | None = None, review: str = "Report index") -> str:
    """A reviewer's HTML page: outputs and markdown only, self-contained, links to .ipynb made .html.

    ``labels`` maps bib keys to the author-year citations that replace them in
    the page's text. ``review`` is the review's title: the page's link back to
    the index reads it, as the build's own pages do.
    """
    nb = nbformat.from_dict(nb)
    nb.metadata["title"] = title
    resources = {
        "review_css": asset("report.css"),
        "review_js": asset("tables.js"),
        "review_footer": html.escape(footer),
        "review_back": html.escape(review),
    }
    with _EXPORTING:  # one exporter, so its templates are compiled once (0.13 s a page); it is not safe for two threads at once
        body, _ = _exporter().from_notebook_node(nb, resources=resources)
    body = re.sub(r'href="(\d\d-[a-z0-9-]+)\.ipynb(#[^"]*)?"', r'href="\1.html\2"', body)
    return enhance(body, labels or {})


def render(template: str, **context: object) -> str:
    """One of the build's own pages from its Jinja template, every value escaped unless marked safe."""
    return _environment().get_template(template).render(css=asset("report.css"), **context)


@functools.cache
def _environment():  # noqa: ANN202 - a jinja2 Environment; one, so each template is compiled once
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from .markup import sentence

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]))
    env.filters["sentence"] = sentence  # a reason from the data, ending in one full stop however it was written
    return env
