"""The campaign's web site: one folder a static host, nginx or ``postergen serve`` serves.

Submodules::

    urls       the URL scheme: site_base, page_url, entry_url, split_url, personal_qr_url
    build      site_files(loaded, rows, posters) → every file of OUT/site/ (and OUT/short/)
    pages      a build's pages: kept when their inputs are unchanged, else rendered (on workers)
    hostrules  _headers, _redirects and the nginx snippet; a parser and matcher for them
    leads      the lead contract: fields, phone normalisation, reading a posted lead
    checks     site_problems(loaded): what stops a site from working (no endpoint, …)

The personal-poster batch calls :func:`personal_qr_url` for each person's QR code.
"""

from .urls import personal_qr_url, site_base

__all__ = ["personal_qr_url", "site_base"]
