"""Printing an expression: plain text (Python syntax), Unicode (textbook), LaTeX and
MathML."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape as _xml_escape

import numpy as np

from .. import ops as P
from ._base import _ARITH, _COMPARE, _is_whole, _num, _postorder

__all__: list = []  # helpers for the other files of the folder only

_SUPERSCRIPT = str.maketrans("0123456789-.", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻·")
_ATOM, _POW, _NEG, _MUL, _ADD, _CMP = 100, 4, 3, 2, 1, 0


def _format_number(v: Any) -> str:
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, np.ndarray):
        return np.array2string(v, separator=", ")
    if _is_whole(v) and abs(v) < 1e16:
        return str(int(v))
    return repr(float(v))


class _Printer:
    def __init__(self, mode: str):
        self.mode = mode
        self.minus = "−" if mode == "unicode" else "-"

    def show(self, e: Any) -> str:
        # Children first, without recursion: a long chain built in a Python loop prints.
        self.cache: dict = {}
        for node in _postorder(e):
            self.cache[id(node)] = self.fmt(node)
        return self.cache[id(e)][0]

    def wrap(self, s: str) -> str:
        if self.mode == "mathml":
            return f"<mrow><mo>(</mo>{s}<mo>)</mo></mrow>"
        return rf"\left({s}\right)" if self.mode == "latex" else f"({s})"

    def op(self, text: str) -> str:
        """An operator sign: as it is, or as a MathML ``<mo>``."""
        return f"<mo>{_xml_escape(text.strip())}</mo>" if self.mode == "mathml" else text

    def fmt(self, e: Any) -> tuple:
        """(text, precedence, starts with a minus sign)."""
        done = self.cache.get(id(e))
        if done is not None:
            return done
        mode = self.mode
        if mode == "mathml":
            return self.fmt_mathml(e)
        if e.prim is None:
            if e.is_symbol:
                return e.name, _ATOM, False
            if e.name is not None:
                if mode == "unicode" and e.name == "pi":
                    return "π", _ATOM, False
                if mode == "latex" and e.name == "pi":
                    return r"\pi", _ATOM, False
                return e.name, _ATOM, False
            s = _format_number(e.value)
            if s.startswith("-"):
                return self.minus + s[1:], _NEG, True
            return s, _ATOM, False
        name, args = e.prim.name, e.args
        if name in ("add", "sub"):
            a, pa, na = self.fmt(args[0])
            b, pb, nb = self.fmt(args[1])
            if pa < _ADD:
                a, na = self.wrap(a), False
            if pb < _ADD or nb or (name == "sub" and pb == _ADD):
                b = self.wrap(b)
            op = " + " if name == "add" else f" {self.minus} "
            return a + op + b, _ADD, na
        if name == "neg":
            a, pa, na = self.fmt(args[0])
            if pa < _MUL or na:
                a = self.wrap(a)
            return self.minus + a, _NEG, True
        if name == "mul":
            return self.fmt_mul(args)
        if name == "div":
            a, pa, na = self.fmt(args[0])
            b, pb, nb = self.fmt(args[1])
            if mode == "latex":
                return rf"\frac{{{a}}}{{{b}}}", _MUL, False
            if pa < _MUL:
                a = self.wrap(a)
            if pb <= _MUL or nb:
                b = self.wrap(b)
            return f"{a}/{b}", _MUL, na
        if name == "pow":
            return self.fmt_pow(args)
        if name in _COMPARE:
            a, pa, _ = self.fmt(args[0])
            b, pb, _ = self.fmt(args[1])
            op = {"unicode": {">=": "≥", "<=": "≤", "!=": "≠"},
                  "latex": {">=": r"\geq", "<=": r"\leq", "!=": r"\neq"}}.get(
                mode, {}).get(_COMPARE[name], _COMPARE[name])
            a = self.wrap(a) if pa <= _CMP else a
            b = self.wrap(b) if pb <= _CMP else b
            return f"{a} {op} {b}", _CMP, False
        return self.fmt_call(e), _ATOM, False

    def fmt_mul(self, args: tuple) -> tuple:
        a, pa, na = self.fmt(args[0])
        b, pb, nb = self.fmt(args[1])
        if pa < _MUL:
            a, na = self.wrap(a), False
        if pb < _MUL or nb:
            b = self.wrap(b)
        if self.mode == "text":
            return f"{a}*{b}", _MUL, na
        left_number = args[0].is_number or (args[0].prim is P.mul and a[-1:].isdigit())
        right_digit = b[:1].isdigit() or b.startswith(".")
        if self.mode == "unicode":
            call = args[1].prim is not None and args[1].prim.name not in _ARITH and \
                args[1].prim.name not in ("sqrt", "abs")
            sep = "·" if not (left_number and args[0].is_number and not right_digit) else \
                " " if call else ""
            return f"{a}{sep}{b}", _MUL, na
        sep = r" \cdot " if right_digit else " "
        return f"{a}{sep}{b}", _MUL, na

    def fmt_pow(self, args: tuple) -> tuple:
        base, exponent = args
        a, pa, na = self.fmt(base)
        if pa < _ATOM or na or (self.mode == "latex" and base.prim is P.div):
            a = self.wrap(a)
        k = _num(exponent)
        if self.mode == "unicode" and k is not None and _is_whole(k) and abs(k) < 1e6:
            return a + _format_number(k).translate(_SUPERSCRIPT), _POW, False
        b, pb, nb = self.fmt(exponent)
        if self.mode == "latex":
            return f"{a}^{{{b}}}", _POW, False
        if pb < _ATOM or nb:
            b = self.wrap(b)
        op = "**" if self.mode == "text" else "^"
        return f"{a}{op}{b}", _POW, False

    def fmt_mathml(self, e: Any) -> tuple:
        """(MathML fragment, precedence, starts with a minus sign): the Unicode layout, with
        fractions, powers and roots as MathML draws them."""
        if e.prim is None:
            if e.is_symbol or e.name is not None:
                name = "π" if e.name == "pi" else e.name
                return f"<mi>{_xml_escape(name)}</mi>", _ATOM, False
            s = _format_number(e.value)
            if s.startswith("-"):
                return f"<mo>−</mo><mn>{_xml_escape(s[1:])}</mn>", _NEG, True
            return f"<mn>{_xml_escape(s)}</mn>", _ATOM, False
        name, args = e.prim.name, e.args
        if name in ("add", "sub"):
            a, pa, na = self.fmt(args[0])
            b, pb, nb = self.fmt(args[1])
            if pa < _ADD:
                a, na = self.wrap(a), False
            if pb < _ADD or nb or (name == "sub" and pb == _ADD):
                b = self.wrap(b)
            return a + self.op("+" if name == "add" else "−") + b, _ADD, na
        if name == "neg":
            a, pa, na = self.fmt(args[0])
            if pa < _MUL or na:
                a = self.wrap(a)
            return self.op("−") + a, _NEG, True
        if name == "mul":
            a, pa, na = self.fmt(args[0])
            b, pb, nb = self.fmt(args[1])
            if pa < _MUL:
                a, na = self.wrap(a), False
            if pb < _MUL or nb:
                b = self.wrap(b)
            # 5x and 2 sin(x) as on paper (invisible times); a dot where digits would meet.
            implicit = args[0].is_number and not b.startswith("<mn>")
            return a + self.op("\u2062" if implicit else "·") + b, _MUL, na
        if name == "div":
            a = self.fmt(args[0])[0]
            b = self.fmt(args[1])[0]
            return f"<mfrac><mrow>{a}</mrow><mrow>{b}</mrow></mfrac>", _MUL, False
        if name == "pow":
            base, exponent = args
            a, pa, na = self.fmt(base)
            if pa < _ATOM or na:
                a = self.wrap(a)
            b = self.fmt(exponent)[0]
            return f"<msup><mrow>{a}</mrow><mrow>{b}</mrow></msup>", _POW, False
        if name in _COMPARE:
            a, pa, _ = self.fmt(args[0])
            b, pb, _ = self.fmt(args[1])
            op = {">=": "≥", "<=": "≤", "!=": "≠"}.get(_COMPARE[name], _COMPARE[name])
            a = self.wrap(a) if pa <= _CMP else a
            b = self.wrap(b) if pb <= _CMP else b
            return a + self.op(op) + b, _CMP, False
        parts = [self.fmt(a)[0] for a in args]
        parts += [f"<mtext>{_xml_escape(f'{k}={v!r}')}</mtext>" for k, v in e.params.items()
                  if not k.startswith("_")]   # (_call: a custom function's internals)
        inner = self.op(",").join(parts)
        if name == "sqrt":
            return f"<msqrt>{inner}</msqrt>", _ATOM, False
        if name == "abs":
            return f"<mrow><mo>|</mo>{inner}<mo>|</mo></mrow>", _ATOM, False
        if name == "exp":
            return f"<msup><mi>e</mi><mrow>{inner}</mrow></msup>", _ATOM, False
        return (f"<mi>{_xml_escape(name)}</mi><mo>\u2061</mo>{self.wrap(inner)}", _ATOM,
                False)

    def fmt_call(self, e: Any) -> str:
        name = e.prim.name
        parts = [self.fmt(a)[0] for a in e.args]
        if e.params:   # (not _call: a custom function's internals, see chainrule.custom)
            parts += [f"{k}={v!r}" for k, v in e.params.items() if not k.startswith("_")]
        inner = ", ".join(parts)
        if self.mode == "latex":
            if name == "sqrt":
                return rf"\sqrt{{{inner}}}"
            if name == "exp":
                return rf"e^{{{inner}}}"
            if name == "abs":
                return rf"\left|{inner}\right|"
            fn = e.prim.display.get("latex") or rf"\operatorname{{{name}}}"
            return rf"{fn}\left({inner}\right)"
        if self.mode == "unicode":
            if name == "sqrt":
                return f"√{inner}" if e.args[0].prim is None and not inner.startswith(
                    self.minus) else f"√({inner})"
            if name == "abs":
                return f"|{inner}|"
        return f"{name}({inner})"
