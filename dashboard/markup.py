"""Names are text: a value that comes from the data — a school, commune, network, PSAD,
user or file name — is escaped for the renderer it goes to, so that it shows exactly as written
and never as a link, an image, emphasis, an emoji or an icon. Core, no Streamlit.

* ``markdown`` — for every Streamlit element that reads Markdown: ``st.markdown``, ``st.caption``,
  ``st.title`` / ``st.subheader``, the alerts, ``st.metric`` labels and help, ``st.page_link``
  labels, ``st.table`` cells and headers. Plain-text elements (``st.text``, ``st.dataframe``,
  widget options) need nothing.
* ``plotly`` — for every Plotly string: tick labels, legend entries, titles, annotations, bar
  texts and hovers (Plotly reads a subset of HTML in all of them, and ``%{…}`` in hover templates).
"""

from __future__ import annotations

import html
import re

MARKDOWN_SPECIALS = "\\`*_{}[]<>()#+-.!|~$:"
WORD_JOINER = "\u2060"
#: Where Streamlit's Markdown would still make a link, an emoji or an icon out of escaped text: its
#: autolinks (``http://``, ``www.``, ``nom@domaine``) and shortcodes (``:smile:``,
#: ``:material/home:``) are looked for in the text once parsed, after the escapes are gone. An
#: invisible word joiner breaks them (a colon followed by a space, as in French, is left alone).
_FOUND_AFTER_PARSING = re.compile(r"(?<=:)(?=\S)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)


def markdown(text) -> str:
    """``text`` for a Markdown element: every character Markdown or HTML could read as markup is
    backslash-escaped, and autolinks and shortcodes are broken by an invisible word joiner."""
    text = _FOUND_AFTER_PARSING.sub(WORD_JOINER, str(text))
    return "".join("\\" + ch if ch in MARKDOWN_SPECIALS else ch for ch in text)


def plotly(text) -> str:
    """``text`` for a Plotly string: HTML-escaped (Plotly shows the entities as the characters) and
    ``%`` as an entity, so a hover template never reads ``%{…}`` in a name."""
    return html.escape(str(text), quote=False).replace("%", "&#37;")
