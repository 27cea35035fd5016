"""Containers of arrays ("pytrees"): nested tuples, lists and dicts, flattened to a list of
leaves and rebuilt from one.

The functional transforms accept and return pytrees: arguments may be ``{"w": W, "b": b}``
or ``(x, [y, z])``; gradients come back in the same structure. Anything that is not a
tuple, list, dict or ``None`` is a leaf (numbers, arrays, Tensors, tracers). ``None`` is an
empty container (it holds no leaves), as in JAX.

>>> from chainrule.core.pytree import tree_flatten, tree_unflatten
>>> leaves, tree = tree_flatten({"b": (1.0, 2.0), "a": [3.0]})
>>> leaves
[3.0, 1.0, 2.0]
>>> tree_unflatten(tree, [x * 10 for x in leaves])
{'a': [30.0], 'b': (10.0, 20.0)}
"""

from __future__ import annotations

from typing import Any, Callable, Hashable, Optional

__all__ = ["TreeDef", "tree_flatten", "tree_unflatten", "tree_map", "tree_leaves"]


class TreeDef:
    """The shape of a container without its leaves: compare two with ``==``.

    ``kind`` is ``"leaf"``, ``"none"``, ``"tuple"``, ``"list"`` or ``"dict"``; ``node_type``
    is the concrete class (a namedtuple class is kept so it is rebuilt as itself); ``keys``
    are a dict's keys in sorted order (insertion order would make ``{"a", "b"}`` and
    ``{"b", "a"}`` different structures); ``children`` the sub-structures.
    """

    __slots__ = ("kind", "node_type", "keys", "children", "num_leaves")

    def __init__(self, kind: str, node_type: Optional[type] = None, keys: tuple = (),
                 children: tuple = ()):
        self.kind = kind
        self.node_type = node_type
        self.keys = keys
        self.children = children
        self.num_leaves = 1 if kind == "leaf" else sum(c.num_leaves for c in children)

    def _key(self) -> Hashable:
        return (self.kind, self.node_type, self.keys, tuple(c._key() for c in self.children))

    def __eq__(self, other: Any) -> bool:
        return self is other or (isinstance(other, TreeDef) and self._key() == other._key())

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"PyTreeDef({self._describe()})"

    def _describe(self) -> str:
        if self.kind == "leaf":
            return "*"
        if self.kind == "none":
            return "None"
        if self.kind == "dict":
            return "{" + ", ".join(f"{k!r}: {c._describe()}"
                                   for k, c in zip(self.keys, self.children)) + "}"
        inner = ", ".join(c._describe() for c in self.children)
        if self.kind == "list":
            return f"[{inner}]"
        return f"({inner}{',' if len(self.children) == 1 else ''})"


_LEAF = TreeDef("leaf")


def _sorted_keys(d: dict) -> tuple:
    try:
        return tuple(sorted(d))
    except TypeError:  # keys of mixed types cannot be ordered: keep the dict's own order
        return tuple(d)


def _flatten(tree: Any, leaves: list) -> TreeDef:
    if tree is None:
        return TreeDef("none")
    if isinstance(tree, tuple):
        return TreeDef("tuple", type(tree), (), tuple(_flatten(c, leaves) for c in tree))
    if isinstance(tree, list):
        return TreeDef("list", type(tree), (), tuple(_flatten(c, leaves) for c in tree))
    if isinstance(tree, dict):
        keys = _sorted_keys(tree)
        return TreeDef("dict", type(tree), keys, tuple(_flatten(tree[k], leaves) for k in keys))
    leaves.append(tree)
    return _LEAF


def tree_flatten(tree: Any) -> tuple:
    """Split ``tree`` into ``(leaves, treedef)``; dict entries are visited in key order.

    >>> tree_flatten((1.0, [2.0, 3.0]))[0]
    [1.0, 2.0, 3.0]
    """
    if not isinstance(tree, (tuple, list, dict)) and tree is not None:
        return [tree], _LEAF
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def tree_leaves(tree: Any) -> list:
    """The leaves of ``tree`` in flattening order."""
    return tree_flatten(tree)[0]


def _build(treedef: TreeDef, it: Any) -> Any:
    kind = treedef.kind
    if kind == "leaf":
        return next(it)
    if kind == "none":
        return None
    children = [_build(c, it) for c in treedef.children]
    if kind == "dict":
        return treedef.node_type(zip(treedef.keys, children))
    if kind == "tuple" and treedef.node_type is not tuple and hasattr(treedef.node_type, "_fields"):
        return treedef.node_type(*children)   # a namedtuple takes its fields positionally
    return treedef.node_type(children)


def tree_unflatten(treedef: TreeDef, leaves: Any) -> Any:
    """Rebuild a container of structure ``treedef`` from ``leaves`` (inverse of flatten).

    >>> leaves, tree = tree_flatten([1.0, {"x": 2.0}])
    >>> tree_unflatten(tree, [5.0, 6.0])
    [5.0, {'x': 6.0}]
    """
    if treedef is _LEAF and len(leaves) == 1:   # the common case: a single array
        return leaves[0]
    leaves = list(leaves)
    if len(leaves) != treedef.num_leaves:
        raise ValueError(f"tree_unflatten: the structure {treedef} holds {treedef.num_leaves} "
                         f"leaves but {len(leaves)} were given")
    return _build(treedef, iter(leaves))


def tree_map(fn: Callable, tree: Any, *rest: Any) -> Any:
    """Apply ``fn`` to every leaf (and the matching leaves of ``rest``, same structures).

    >>> tree_map(lambda a, b: a + b, (1.0, [2.0]), (10.0, [20.0]))
    (11.0, [22.0])
    """
    leaves, treedef = tree_flatten(tree)
    others = []
    for r in rest:
        r_leaves, r_def = tree_flatten(r)
        if r_def != treedef:
            raise ValueError(f"tree_map: structures differ: {treedef} and {r_def}")
        others.append(r_leaves)
    return tree_unflatten(treedef, [fn(*xs) for xs in zip(leaves, *others)])
