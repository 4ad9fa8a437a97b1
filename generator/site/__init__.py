"""The static HTML report site: specs, handoffs, prompts and runs as pages.

`render_site` is pure apart from reading its inputs; `write_site` writes the
result through the shared all-or-nothing writer.
"""

from generator.site.build import check_out_dir, render_site, write_site

__all__ = ["check_out_dir", "render_site", "write_site"]
