"""The intake service's resources: a table of path templates and the methods each allows.

    RESOURCES = Router([
        Resource("/v1/requests", {"POST": post_request}),
        Resource("/v1/requests/{id}", {"GET": get_status}),
        Resource("/v1/tuf/{name:path}", {"GET": get_file}, auth=False),
    ])

`{name}` matches one path segment, `{name:path}` the rest of the path. A method a resource does not list is
answered `405` with `Allow` naming the ones it does (`HEAD` wherever `GET` is allowed); a path no resource matches
is `404`. `auth=False` serves a resource without the bearer token (public, read-only data such as signed metadata).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Endpoint = Callable[[Any, dict[str, str]], Any]  # (the request handler, path parameters) -> Answer | None
_PARAM = re.compile(r"\{([a-z_][a-z0-9_]*)(:path)?\}")


@dataclass(frozen=True)
class Resource:
    template: str
    methods: Mapping[str, Endpoint]
    auth: bool = True
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex, last = "", 0
        for m in _PARAM.finditer(self.template):
            regex += re.escape(self.template[last : m.start()])
            regex += f"(?P<{m.group(1)}>.+)" if m.group(2) else f"(?P<{m.group(1)}>[^/]+)"
            last = m.end()
        regex += re.escape(self.template[last:])
        object.__setattr__(self, "pattern", re.compile(regex))

    @property
    def allow(self) -> str:
        """The `Allow` header: the methods listed, with `HEAD` wherever `GET` is."""
        methods = set(self.methods)
        if "GET" in methods:
            methods.add("HEAD")
        return ", ".join(sorted(methods))

    def endpoint(self, method: str) -> Endpoint | None:
        """The endpoint for `method` (`HEAD` is served by the `GET` endpoint, without the body)."""
        return self.methods.get("GET" if method == "HEAD" else method)


class Router:
    def __init__(self, resources: Iterable[Resource]) -> None:
        self.resources = list(resources)

    def match(self, path: str) -> tuple[Resource, dict[str, str]] | None:
        for resource in self.resources:
            m = resource.pattern.fullmatch(path)
            if m is not None:
                return resource, m.groupdict()
        return None
