"""The JSON API of `chainrule serve`, through a real server started here on a free port of
127.0.0.1: each endpoint, the static files, bad inputs, the time limit and 200 concurrent
requests."""

from __future__ import annotations

import concurrent.futures
import time

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from web_support import TUTORIAL, Server  # noqa: E402

TIMEOUT = 1.0


@pytest.fixture(scope="module")
def server():
    s = Server("--timeout", str(TIMEOUT), "--workers", "2")
    yield s
    s.stop()


def f_prime(x: float) -> float:
    return 20 * x**3 + 9 * x**2 + 14 * x + 9


# ----------------------------------------------------------------------------------------
# The endpoints.

def test_banner_names_the_loopback_url(server):
    assert server.banner.startswith("chainrule serve: http://127.0.0.1:")


def test_derivative_of_the_tutorial(server):
    status, d = server.api("derivative", {"f": TUTORIAL, "x": 2})
    assert status == 200
    assert d["value"] == 145.0 and d["value_text"] == "145"
    (first,) = d["derivatives"]
    assert first["value"] == 233.0 and first["value_text"] == "233"
    assert first["formula"]["unicode"] == "20x³ + 9x² + 14x + 9"
    assert first["formula"]["mathml"].startswith("<math xmlns=\"http://www.w3.org/1998/Math")
    assert d["tangent"] == {"slope": 233.0, "intercept": -321.0, "text": "y = 233x − 321"}
    assert "steps" not in d


def test_derivative_second_order_and_steps(server):
    status, d = server.api("derivative", {"f": TUTORIAL, "x": 2, "order": 2, "steps": True})
    assert status == 200
    assert [k["value"] for k in d["derivatives"]] == [233.0, 290.0]
    assert d["derivatives"][1]["formula"]["unicode"] == "60x² + 18x + 14"
    rules = [s["rule"] for s in d["steps"]]
    assert rules[0] == "sum rule" and rules.count("power rule") == 4
    assert d["steps"][0]["depth"] == 0 and d["steps"][1]["depth"] == 1


def test_curve_samples_f_and_f_prime(server):
    status, c = server.api("curve", {"f": TUTORIAL, "x": 2, "n": 61})
    assert status == 200
    assert (c["lo"], c["hi"], len(c["xs"])) == (-1.0, 5.0, 61)
    i = c["xs"].index(2.0)
    assert c["ys"][i] == 145.0 and c["dys"][i] == 233.0
    assert c["ylim"][0] < 145.0 < c["ylim"][1]


def test_curve_marks_undefined_samples_null(server):
    status, c = server.api("curve", {"f": "log(x)", "x": 0, "lo": -1, "hi": 1, "n": 5})
    assert status == 200
    assert c["ys"][:2] == [None, None] and c["ys"][4] == 0.0


def test_graph_gives_values_and_gradients(server):
    status, g = server.api("graph", {"f": TUTORIAL, "x": 2})
    assert status == 200
    x = next(n for n in g["nodes"] if n["kind"] == "input")
    assert (x["name"], x["value"], x["grad"]) == ("x", 2.0, 233.0)
    root = g["nodes"][g["root"]]
    assert root["value"] == 145.0 and root["grad"] == 1.0
    assert g["svg"].startswith("<svg")


def test_check_right_and_wrong(server):
    status, right = server.api("check", {"f": TUTORIAL, "answer": "20x^3 + 9x^2 + 14x + 9",
                                         "x": 2})
    assert status == 200 and right["correct"] is True
    assert right["message"].startswith("✓ Correct")
    status, wrong = server.api("check", {"f": TUTORIAL, "answer": "20x^3 + 9x^2 + 14x",
                                         "x": 2})
    assert status == 200 and wrong["correct"] is False
    assert (wrong["yours"], wrong["expected"]) == (224.0, 233.0)
    assert "The difference (right answer minus yours) is 9." in wrong["message"]


def test_index_and_static_files(server):
    status, headers, html = server.request("/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in headers["content-security-policy"]
    assert '<script src="/static/app.js"' in html
    for name, kind in (("app.js", "text/javascript"), ("style.css", "text/css")):
        status, headers, _ = server.request(f"/static/{name}")
        assert status == 200 and headers["content-type"].startswith(kind)


def test_page_loads_nothing_from_elsewhere(server):
    for path in ("/", "/static/app.js", "/static/style.css"):
        text = server.request(path)[2]
        assert "http://" not in text.replace("http://www.w3.org/", "")
        assert "https://" not in text and "//cdn" not in text


def test_api_index_lists_endpoints_and_limits(server):
    status, _, d = server.request("/api")
    assert status == 200
    assert set(d["endpoints"]) == {"/api/derivative", "/api/check", "/api/curve",
                                   "/api/graph"}
    assert d["limits"]["time_s"] == TIMEOUT and d["limits"]["expression_chars"] == 2000


@pytest.mark.parametrize("path", [
    "/static/../pyproject.toml", "/static/..%2f..%2fpyproject.toml", "/static/server.py",
    "/static/%2e%2e%2fserver.py", "/static/..%5cserver.py", "/static/%2fetc%2fpasswd",
    "/static/", "/static/.", "/../../etc/passwd", "/chainrule/web/server.py"])
def test_no_file_outside_the_page(server, path):
    status, _, d = server.request(path)
    assert status == 404 and d["kind"] == "not_found"


# ----------------------------------------------------------------------------------------
# Bad input: a 4xx JSON error that says what is wrong, never a traceback.

BAD = [
    ({"f": "x" * 3000, "x": 1}, 400, "parse", "too long"),
    ({"f": "(" * 100 + "x" + ")" * 100, "x": 1}, 400, "parse", "nested too deeply"),
    ({"f": "-" * 200 + "x", "x": 1}, 400, "parse", "nested too deeply"),
    ({"f": "__import__('os').system('echo hi')", "x": 1}, 400, "parse", "'_'"),
    ({"f": "x.__class__", "x": 1}, 400, "parse", "attribute access"),
    ({"f": "lambda: 1", "x": 1}, 400, "parse", "lambdas"),
    ({"f": "open('/etc/passwd')", "x": 1}, 400, "parse", "strings are not allowed"),
    ({"f": "open(x)", "x": 1}, 400, "parse", "unknown function 'open'"),
    ({"f": "exec(x)", "x": 1}, 400, "parse", "unknown function 'exec'"),
    ({"f": "__builtins__", "x": 1}, 400, "parse", "may not start with '_'"),
    ({"f": "x\x00", "x": 1}, 400, "parse", "NUL"),
    ({"f": "x; import os", "x": 1}, 400, "parse", "';'"),
    ({"f": "5x^4 + * 3", "x": 1}, 400, "parse", "column 8"),
    ({"f": 5, "x": 1}, 400, "request", "'f' must be a string"),
    ({"f": ["x"], "x": 1}, 400, "request", "got an array"),
    ({"f": {"$gt": ""}, "x": 1}, 400, "request", "got an object"),
    ({"f": "x", "x": "2"}, 400, "request", "'x' must be a number"),
    ({"f": "x", "x": True}, 400, "request", "'x' must be a number"),
    ({"f": "x", "x": None}, 400, "request", "'x' must be a number"),
    ({"f": "x", "x": 1e300}, 400, "request", "finite number between"),
    ({"f": "x", "x": 1, "order": 2.5}, 400, "request", "'order' must be a whole number"),
    ({"f": "x", "x": 1, "order": 99}, 400, "request", "from 1 to 3"),
    ({"f": "x", "x": 1, "steps": "yes"}, 400, "request", "'steps' must be true or false"),
    ({"x": 1}, 400, "request", "missing field 'f'"),
    ({"f": "x", "x": 1, "evil": 1}, 400, "request", "unknown field 'evil'"),
    ({"f": "x*y", "x": 1}, 400, "variables", "one variable"),
    ({"f": "log(x)", "x": -1}, 422, "math", "log(−1) is undefined"),
    ({"f": "1/x", "x": 0}, 422, "math", "division by zero"),
]


@pytest.mark.parametrize("body,status,kind,words", BAD)
def test_bad_input_is_a_clear_json_error(server, body, status, kind, words):
    got, d = server.api("derivative", body)
    assert (got, d["kind"]) == (status, kind), d
    assert words in d["error"]
    assert "Traceback" not in d["error"]


def test_parse_error_names_the_column(server):
    status, d = server.api("derivative", {"f": "5x^4 + * 3", "x": 1})
    assert status == 400 and (d["column"], d["field"]) == (8, "f")


def test_bad_answer_is_reported_on_the_answer_field(server):
    status, d = server.api("check", {"f": "x^2", "answer": "2x +", "x": 1})
    assert (status, d["kind"], d["field"]) == (400, "parse", "answer")
    status, d = server.api("check", {"f": "x^2", "answer": "2y", "x": 1})
    assert (status, d["field"]) == (400, "answer") and "uses 'y'" in d["error"]


@pytest.mark.parametrize("raw,content_type,status,words", [
    (b"{not json", "application/json", 400, "not valid JSON"),
    (b'{"f": "x", "x": NaN}', "application/json", 400, "NaN is not a JSON number"),
    (b"[1, 2]", "application/json", 400, "must be a JSON object"),
    (b'"x"', "application/json", 400, "must be a JSON object"),
    (b"[" * 5000 + b"]" * 5000, "application/json", 400, "not valid JSON"),
    (b"\xff\xfe", "application/json", 400, "not valid JSON"),
    (b'{"f": "x", "x": 1}', "text/plain", 415, "Content-Type: application/json"),
    (b'{"f": "x", "x": 1}', "", 415, "Content-Type: application/json"),
    (b'{"f": "' + b"x+" * 9000 + b'x", "x": 1}', "application/json", 413, "larger than"),
])
def test_bad_bodies(server, raw, content_type, status, words):
    got, d = server.api("derivative", None, raw=raw, content_type=content_type)
    assert got == status and words in d["error"], d


def test_only_loopback_host_names_are_answered(server):
    port = server.url.rsplit(":", 1)[1].strip("/")
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", "[::1]"):
        status, _, _ = server.request("/api", headers={"Host": host})
        assert status == 200, host
    # DNS rebinding: a page on another domain that resolves to 127.0.0.1.
    status, _, d = server.request("/", headers={"Host": f"attacker.example:{port}"})
    assert (status, d["kind"]) == (400, "host")
    assert "not 'attacker.example'" in d["error"]


def test_unknown_endpoint_and_wrong_method(server):
    status, d = server.api("eval", {"f": "x"})
    assert status == 404 and "/api/derivative" in d["error"]
    status, _, d = server.request("/api/derivative")
    assert status == 405 and d["kind"] == "method"


# ----------------------------------------------------------------------------------------
# Time limit and load.

def test_slow_expression_hits_the_time_limit_and_the_server_recovers(server):
    # Its third derivative with steps takes seconds (a power tower grows fast).
    start = time.perf_counter()
    status, d = server.api("derivative", {"f": "x^x^x^x^x^x", "x": 1.5, "order": 3,
                                          "steps": True})
    took = time.perf_counter() - start
    assert (status, d["kind"]) == (422, "time_limit"), d
    assert f"limit of {TIMEOUT:g} s" in d["error"]
    assert took < TIMEOUT + 5
    # The killed worker is replaced: the server goes on answering, twice in a row (both
    # workers), within a restart's time.
    deadline = time.monotonic() + 60
    answered = 0
    while answered < 4 and time.monotonic() < deadline:
        status, d = server.api("derivative", {"f": "x^2", "x": 3})
        assert status == 200, d
        answered += 1
    assert answered == 4


def test_200_concurrent_requests_all_answered(server):
    xs = [round(-2 + i * 0.02, 2) for i in range(200)]

    def one(x: float) -> tuple:
        return x, server.api("derivative", {"f": TUTORIAL, "x": x}, timeout=120)

    with concurrent.futures.ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(one, xs))
    assert len(results) == 200
    for x, (status, d) in results:
        assert status == 200, d
        # Each answer is the one for its own request.
        assert d["x"] == x
        assert d["derivatives"][0]["value"] == pytest.approx(f_prime(x), rel=1e-12, abs=1e-9)


def test_keep_alive_requests_do_not_wait_for_delayed_acks(server):
    # With Nagle's algorithm on the server's sockets every response on a kept-alive
    # connection waited ~40 ms for the client's delayed ACK; the median is far below that.
    import http.client
    import json
    import statistics
    import urllib.parse
    parts = urllib.parse.urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    times = []
    try:
        for i in range(21):
            body = json.dumps({"f": TUTORIAL, "x": i / 10})
            t0 = time.perf_counter()
            conn.request("POST", "/api/derivative", body, {"Content-Type": "application/json"})
            resp = conn.getresponse()
            assert resp.status == 200 and json.loads(resp.read())["x"] == i / 10
            times.append(time.perf_counter() - t0)
    finally:
        conn.close()
    assert statistics.median(times) < 0.035
