# nbconvert configuration for the project's HTML reports (used by scripts/run-reports.ts:
#   python3 -m nbconvert --config kernel-setup/nbconvert_config.py --to html ...).
#
# Debian 12's nbconvert 6.5.3 runs notebook outputs through lxml's `clean_html`
# filter, which strips everything inside <svg> elements: vega charts come out as
# blank boxes. The outputs come from our own kernel, so pass them through unchanged.
c = get_config()  # noqa: F821  (provided by traitlets when the file is loaded)
c.HTMLExporter.filters = {"clean_html": lambda s: s}
