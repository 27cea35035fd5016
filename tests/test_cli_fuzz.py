"""Random inputs never make the command line print a traceback or fail internally.

Bounded and seeded: a few hundred cases of random bytes (decoded the way Python decodes a
command line) and of near misses (valid expressions with characters inserted, deleted or
swapped), plus random --at values. Every run must exit 0, 1 or 2 (3 is an internal error) and
write at most one line to stderr.
"""

from __future__ import annotations

import contextlib
import io
import random

import pytest

from chainrule.cli import main

SEEDS = ["5*x**4 + 3*x**3 + 7*x**2 + 9*x - 5", "sin(x^2)*exp(x)", "x^2 y + sqrt(y)",
         "log(1 + x^2)/x", "2 sin(x) cos(x)", "tanh(x)^3 - 1/x", "(x+1)(x-1)", "-x**2",
         "exp(-x^2/2)", "abs(x) + sqrt(x^2 + 1)", "x^(1/3)", "pi*x + e"]
ALPHABET = list("xyz0123456789+-*/^().,_ eE'\"[]{}:;=<>!@#$%&|~`\\") + [
    "sin", "cos", "log", "exp", "sqrt", "**", "__", "lambda", "import", "\u00b2", "\uff3f",
    "\u2212", "\u00d7", "\x00", "\x1b", "\udcff", "\u200b", "1e308", "9**9**9", "x" * 50]


def run(argv: list) -> tuple:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def check(argv: list) -> int:
    code, out, err = run(argv)
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err and "Traceback" not in out, argv
    # Notes (readings the user may not have meant: "read as the variable 'xx'") come first,
    # one line each; then nothing on success or a wrong --check answer (a result, on stdout,
    # exit 1), else exactly one error line and nothing on stdout.
    lines = err.splitlines(keepends=True)
    while lines and lines[0].startswith("chainrule: note: "):
        lines.pop(0)
    rest = "".join(lines)
    if code == 0 or (code == 1 and "Not quite" in out):
        assert rest == "", (argv, err)
    else:
        assert rest.count("\n") == 1 and rest.endswith("\n") and out == "", (argv, err)
    return code


GENTLE = list("x0123456789+-*/^. ") + ["sin", "cos", "log", "sqrt", "**", "x"]


def mutate(rng: random.Random, text: str, alphabet: list = ALPHABET, most: int = 4) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, most)):
        op = rng.random()
        pos = rng.randint(0, len(chars))
        if op < 0.4:
            chars.insert(pos, rng.choice(alphabet))
        elif op < 0.7 and chars:
            del chars[min(pos, len(chars) - 1)]
        elif chars:
            chars[min(pos, len(chars) - 1)] = rng.choice(alphabet)
    return "".join(chars)


@pytest.mark.parametrize("seed", range(4))
def test_random_bytes(seed):
    rng = random.Random(seed)
    for _ in range(40):
        raw = bytes(rng.randrange(256) for _ in range(rng.randint(1, 30)))
        # What Python hands main() for a command-line argument that is not valid UTF-8.
        check([raw.decode("utf-8", "surrogateescape"), "--at", "x=1"])


@pytest.mark.parametrize("seed", range(4))
def test_near_miss_expressions(seed):
    rng = random.Random(100 + seed)
    codes = []
    for i in range(50):
        # Half hostile characters, half maths characters (which mostly still parse, so the
        # derivative, the point evaluation and the domain checks run too).
        text = mutate(rng, rng.choice(SEEDS), *((ALPHABET, 4) if i % 2 else (GENTLE, 1)))
        y = ",y=1.3" if "y" in text else ""
        extra = rng.choice([[], ["--at", "x=0.7" + y], ["--at", "x=0" + y], ["--steps"],
                            ["--json", "--at", "x=-1.5" + y], ["--check", mutate(rng, "2x")],
                            ["--order", "2", "--at", "x=1" + y],
                            ["--graph", "-", "--at", "x=2" + y]])
        codes.append(check([text] + extra))
    assert codes.count(0) >= 5 and codes.count(2) >= 5, codes


def test_random_points_and_options():
    rng = random.Random(7)
    pieces = ["x", "=", "y", ",", "1", "-", ".", "e", "5", "nan", "inf", " ", "\u0663", "+", "0"]
    for _ in range(60):
        point = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        order = rng.choice(["1", "2", "0", "-1", "x", "10", "3"])
        check(["x^3 - y", "--at", point, "--order", order])
