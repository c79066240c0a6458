"""YAML (ROS templates) with positions, through PyYAML's safe composer.

The composed node tree keeps each value's line; it is turned into plain values and a
path -> (line, column) table, the same ``Located`` shape as JSON input. Duplicate keys and
merge keys are refused, nesting and alias expansion are limited, and short-form intrinsic
functions (``!Ref X``, ``!GetAtt A.B``) become their long forms (``{"Ref": X}``).
"""

from __future__ import annotations

from typing import Any

import yaml  # type: ignore[import-untyped]

from .jsondoc import (
    LONE_SURROGATE,
    MAX_DEPTH,
    MAX_NUMBER_DIGITS,
    DataError,
    Located,
    Path,
    format_path,
    has_lone_surrogate,
)

MAX_NODES = 1_000_000  # values after alias expansion (a 'billion laughs' guard)


def parse_yaml(text: str, max_depth: int = MAX_DEPTH, keep_duplicates: bool = False) -> Located:
    """Parse one YAML document; raise ``DataError`` with a line on any problem (with
    ``keep_duplicates``, a key given twice is recorded in ``duplicates`` instead)."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise DataError(f"not valid YAML: {what}", (mark.line + 1) if mark else 0,
                        (mark.column + 1) if mark else 0) from None
    except yaml.YAMLError as exc:
        raise DataError(f"not valid YAML: {exc}") from None
    doc = Located(None, text)
    count = [0]

    def fail(message: str, node: yaml.Node, path: Path) -> DataError:
        where = format_path(path)
        return DataError(f"{where}: {message}" if where else message,
                         node.start_mark.line + 1, node.start_mark.column + 1)

    def convert(node: yaml.Node, path: Path, depth: int) -> Any:
        count[0] += 1
        if count[0] > MAX_NODES:
            raise fail(f"more than {MAX_NODES} values (aliases expanded)", node, path)
        if depth > max_depth:
            raise fail(f"nested more than {max_depth} levels deep", node, path)
        doc.lines[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        tag = node.tag or ""
        short = tag.startswith("!") and not tag.startswith("!!")
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise fail("keys must be plain scalars", key_node, path)
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise fail("YAML merge keys ('<<') are not supported; write the keys out",
                               key_node, path)
                key = str(key_node.value)
                if has_lone_surrogate(key):
                    raise fail(LONE_SURROGATE, key_node, path)
                again = key in out
                if again:
                    problem = fail(f"duplicate key '{key}'", key_node, path)
                    if not keep_duplicates:
                        raise problem
                    before = out[key]
                out[key] = convert(value_node, path + (key,), depth + 1)
                if again:
                    doc.duplicates.append((path + (key,), problem.message, problem.line,
                                           problem.col, before != out[key]))
            value: Any = out
        elif isinstance(node, yaml.SequenceNode):
            value = [convert(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        elif short:
            value = node.value
        else:
            if node.tag == "tag:yaml.org,2002:int" and len(str(node.value)) > MAX_NUMBER_DIGITS:
                raise fail(f"a number of {len(str(node.value))} characters; numbers in this "
                           f"data have at most {MAX_NUMBER_DIGITS} digits", node, path)
            try:
                value = loader.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError) as exc:
                raise fail(f"bad value: {exc}", node, path) from None
            if not isinstance(value, (str, int, float, bool)) and value is not None:
                value = str(node.value)  # dates and other exotic scalars stay text
        if isinstance(value, str) and has_lone_surrogate(value):
            raise fail(LONE_SURROGATE, node, path)
        if short:  # !Ref X -> {"Ref": X}; !GetAtt A.B -> {"Fn::GetAtt": [A, B]}
            fn = tag[1:]
            if fn == "Ref":
                return {"Ref": value}
            if fn == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
            return {f"Fn::{fn}": value}
        return value

    try:
        doc.value = convert(root, (), 0) if root is not None else None
    finally:
        loader.dispose()
    return doc
