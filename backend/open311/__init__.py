"""The Open311 GeoReport v2 façade at ``/open311/v2/``: how the 12345 hotline system,
the WeChat mini-program, the citizens' app and handheld terminals report into citygrid.

It is a translation layer only: reports go through :class:`CaseService` like any other,
and reads show what the public may see (never reporters' contacts or internal notes).
"""

PREFIX = "/open311/v2"
