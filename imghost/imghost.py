"""The Reflex app `reflex run` and `reflex export` load: the pages, plus the REST API
mounted as the api_transformer, and the server's start (migrations, sweeps) as a
lifespan task. granian serves imghost.asgi instead, which builds the same parts."""

from __future__ import annotations

from imghost.api import create_api
from imghost.startup import prepare_server
from imghost.ui.app import create_app

app = create_app(create_api())
app.register_lifespan_task(prepare_server)
