"""Test-only pages that mount the viewer bundle, written the way the site's CSP demands.

The app's Content-Security-Policy allows no inline script or style, so a test page is plain
markup that loads the bundle's stylesheet, a stylesheet of its own and its script, each from a
test route of the same app. (The real viewer pages come with the viewer issue.)
"""

from __future__ import annotations

from flask import Flask, Response

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/viewer/flaneur.css">
<link rel="stylesheet" href="/_test/viewer-page.css">
<script type="module" src="/_test/{name}.js"></script>
</head><body><div id="pano"></div></body></html>"""

#: the panorama fills the window
STYLESHEET = "body { margin: 0 } #pano { width: 100vw; height: 100vh }"


def add_viewer_page(app: Flask, name: str, script: str) -> str:
    """Serve ``/_test/<name>``, a page running ``script`` as an ES module (``#pano`` is the
    viewer's element); returns the page's path. Call before the app handles its first request."""
    if "test_viewer_page_css" not in app.view_functions:
        app.add_url_rule("/_test/viewer-page.css", "test_viewer_page_css",
                         lambda: Response(STYLESHEET, mimetype="text/css"))
    app.add_url_rule(f"/_test/{name}", f"test_viewer_page_{name}",
                     lambda: PAGE.format(name=name))
    app.add_url_rule(f"/_test/{name}.js", f"test_viewer_script_{name}",
                     lambda: Response(script, mimetype="text/javascript"))
    return f"/_test/{name}"
