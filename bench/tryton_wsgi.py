"""trytond's WSGI application for a WSGI server's workers (``bench.tryton_wsgi:app``), checking e-mail syntax only
(no DNS on a bench machine). Configured as trytond.application is: TRYTOND_CONFIG, TRYTOND_DATABASE_NAMES."""

from erpflow.targets.tryton_session import skip_email_dns_check

skip_email_dns_check()

from trytond.application import app  # noqa: E402

__all__ = ["app"]
