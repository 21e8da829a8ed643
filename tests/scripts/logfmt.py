#!/usr/bin/env python3
"""Reads daemon logs and checks that every line is valid logfmt.

usage: logfmt.py FILE...

A line is fields separated by one space. A field is a key (no space, '=' or
'"') with an optional "=value"; a value is bare (no space, '"', '=' or '\\')
or in double quotes, where only \\" \\\\ \\n \\r \\t and \\uXXXX escapes appear
and no control character does. Every line must be UTF-8, name each key once,
and carry ts, level and event. Prints one line per bad line (file:line:
reason) and a summary; exits 1 when a line is bad or there was no line at all.
"""
import sys

QUOTED_ESCAPES = set('"\\nrt')
HEX = set("0123456789abcdefABCDEF")


def parse(line):
    """Returns the fields of one line as a dict, or raises ValueError saying
    what is wrong and where."""
    fields = {}
    i, n = 0, len(line)
    while i < n:
        start = i
        while i < n and line[i] not in ' ="' and line[i] >= ' ':
            i += 1
        if i == start:
            raise ValueError("column %d: a field must start with a key" % (i + 1))
        key = line[start:i]
        value = True
        if i < n and line[i] == "=":
            i += 1
            if i < n and line[i] == '"':
                i += 1
                chars = []
                while True:
                    if i >= n:
                        raise ValueError("key %s: the quoted value does not close" % key)
                    c = line[i]
                    if c == '"':
                        i += 1
                        break
                    if c < " " or c == "\x7f":
                        raise ValueError("key %s: a raw control character in a quoted value" % key)
                    if c == "\\":
                        if i + 1 >= n:
                            raise ValueError("key %s: an escape at the end of the line" % key)
                        e = line[i + 1]
                        if e == "u":
                            digits = line[i + 2:i + 6]
                            if len(digits) != 4 or not set(digits) <= HEX:
                                raise ValueError("key %s: a bad \\u escape" % key)
                            chars.append(chr(int(digits, 16)))
                            i += 6
                            continue
                        if e not in QUOTED_ESCAPES:
                            raise ValueError("key %s: an unknown escape \\%s" % (key, e))
                        chars.append({"n": "\n", "r": "\r", "t": "\t"}.get(e, e))
                        i += 2
                        continue
                    chars.append(c)
                    i += 1
                value = "".join(chars)
            else:
                vstart = i
                while i < n and line[i] not in ' "=\\' and line[i] > " " and line[i] != "\x7f":
                    i += 1
                if i == vstart:
                    raise ValueError("key %s: an empty bare value" % key)
                value = line[vstart:i]
        if key in fields:
            raise ValueError("key %s appears twice" % key)
        fields[key] = value
        if i < n:
            if line[i] != " ":
                raise ValueError("column %d: fields must be separated by one space" % (i + 1))
            i += 1
            if i == n:
                raise ValueError("a trailing space")
    return fields


def check_file(path, bad):
    lines = 0
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            lines += 1
            where = "%s:%d" % (path, number)
            if not raw.endswith(b"\n"):
                bad.append("%s: the line does not end in a newline" % where)
            try:
                text = raw.rstrip(b"\n").decode("utf-8")
                fields = parse(text)
                for key in ("ts", "level", "event"):
                    if key not in fields:
                        raise ValueError("no %s" % key)
            except (UnicodeDecodeError, ValueError) as e:
                bad.append("%s: %s: %r" % (where, e, raw[:200]))
    return lines


def main(paths):
    bad = []
    total = 0
    for path in paths:
        total += check_file(path, bad)
    for line in bad[:30]:
        print("BAD " + line)
    print("logfmt: %d lines in %d files, %d bad" % (total, len(paths), len(bad)))
    if total == 0:
        print("FAIL: no log line was read")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
