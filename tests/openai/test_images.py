"""Images in prompts reach the server in each endpoint's shape (chat ``image_url`` parts, the Responses API's
``input_image``), over real loopback HTTP."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from gaugellm.data import load_dataset

if TYPE_CHECKING:  # fixtures' types only: test modules import nothing from conftest at run time
    from .conftest import Harness, ScriptedServer, StartServer


async def test_images_reach_the_server_in_each_shape(harness: Harness, scripted: type[ScriptedServer]) -> None:
    request = load_dataset("prompt_tokens=16,output_tokens=4,images=1,image_size=8x8").request(0)
    stream = b'data: {"choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'
    async with scripted([stream]) as server:
        chat = await harness.backend(server.url, validate=False, model="m")
        responses = await harness.backend(server.url, validate=False, model="m", request_format="responses")
        await harness.run(chat, request)
        await harness.run(responses, request)
    chat_body, responses_body = (json.loads(body) for _, body in server.requests)
    url = request.messages[0]["content"][1]["image_url"]["url"]  # type: ignore[index]
    assert chat_body["messages"][0]["content"][1] == {"type": "image_url", "image_url": {"url": url}}
    (item,) = responses_body["input"]
    assert item["content"][0]["type"] == "input_text"
    assert item["content"][1] == {"type": "input_image", "image_url": url}


@pytest.mark.parametrize("request_format", ["chat", "responses"])
async def test_the_simulated_server_takes_images(
    harness: Harness, start_server: StartServer, request_format: str
) -> None:
    server = start_server(output_tokens="4")
    backend = await harness.backend(server.url, request_format=request_format)
    request = load_dataset("prompt_tokens=16,output_tokens=4,images=2").request(3)
    response = await harness.run(backend, request)
    assert response.ok, response.error
    assert response.output_tokens == 4
