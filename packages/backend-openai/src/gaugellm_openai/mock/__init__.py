"""A simulated OpenAI-compatible server: known timing, known output, injectable faults.

It is what the ``openai_http`` backend and the runner are measured against: with a server whose time to first token
and inter-token latency are known to the microsecond, what the client measures can be checked. Public API::

    from gaugellm_openai.mock import MockServerConfig, closed_form_capacity, mock_server

    with mock_server(MockServerConfig(ttft_ms=100, itl_ms=10, output_tokens="64"), in_process=False) as server:
        server.url  # "http://127.0.0.1:<port>"

    closed_form_capacity(MockServerConfig(max_streams=8, ttft_ms=50, itl_ms=10, output_tokens="64"))  # requests/s
"""

from gaugellm_openai.mock.capacity import closed_form_capacity
from gaugellm_openai.mock.config import MockServerConfig
from gaugellm_openai.mock.launcher import MockServer, mock_server
from gaugellm_openai.mock.server import serve, serve_forever

__all__ = ["MockServer", "MockServerConfig", "closed_form_capacity", "mock_server", "serve", "serve_forever"]
