"""The interpreters of the primitive table: the reverse pass (``reverse``), forward mode
(``forward``), batched tangents (``batching``) and Taylor series (``taylor``). Each walks the
rows by their fields; none holds a derivative rule of its own for a row by name."""
