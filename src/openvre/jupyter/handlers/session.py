"""``session``, ``session/token`` and ``jobs/<id>``: who the workspace acts as, and how long work goes."""

from __future__ import annotations

from tornado import web

from openvre.jupyter.handlers.base import WorkspaceHandler, string_arg


class SessionHandler(WorkspaceHandler):
    @web.authenticated
    async def get(self) -> None:
        self.reply(await self.blocking(self.workspace.session))

    @web.authenticated
    async def post(self) -> None:
        body = self.body()
        username = string_arg(body.get("username"), "username")
        password = body.get("password")
        if not isinstance(password, str) or not password:
            password = string_arg(password, "password")
        self.reply(await self.blocking(self.workspace.login, username, password))

    @web.authenticated
    async def delete(self) -> None:
        self.reply(await self.blocking(self.workspace.logout))


class SessionTokenHandler(WorkspaceHandler):
    @web.authenticated
    async def post(self) -> None:
        token = string_arg(self.body().get("token"), "token")
        self.reply(await self.blocking(self.workspace.use_token, token))


class JobHandler(WorkspaceHandler):
    @web.authenticated
    def get(self, job_id: str) -> None:
        self.reply(self.jobs.get(job_id).as_json())


ROUTES: list[tuple[str, type[WorkspaceHandler]]] = [
    (r"session", SessionHandler),
    (r"session/token", SessionTokenHandler),
    (r"jobs/([0-9a-f]+)", JobHandler),
]
