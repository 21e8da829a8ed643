#!/usr/bin/env python3
"""The daemon's layers point one way.

Reads the '#include "x.h"' lines of every file in daemon/ and builds the module
graph. A module is a file name without .c or .h, so foo.c and foo.h are one
module; a .c file without a header of its own (store_sql.c, metrics_process.c)
belongs to the module its name extends (store, metrics). Fails when two modules
include each other, directly or through others, and when a file outside the
store's engine files includes a database engine's header. Prints the modules in
layers from the top (commands, handlers, listeners) down to the bottom (the
store, the log), each module one layer below the lowest module that includes
it.
"""
import fnmatch
import os
import re
import sys

ENGINE_HEADERS = ("sqlite3.h", "libpq-fe.h")

# Only the engines' own files may include an engine header.
ENGINE_FILES = ("store_sqlite*", "store_pg*")

INCLUDE = re.compile(r'\s*#\s*include\s*([<"])([^">]+)[">]')


def module_of(name, headers):
    """The module of a file: its stem, or for a .c file without a header of its
    own the longest '_'-separated prefix of its stem that has one."""
    stem = os.path.splitext(name)[0]
    if name.endswith(".c") and stem not in headers:
        parts = stem.split("_")
        for n in range(len(parts) - 1, 0, -1):
            prefix = "_".join(parts[:n])
            if prefix in headers:
                return prefix
    return stem


def read_graph(src):
    """Returns {module: set of modules it includes} and a list of engine-header offenders."""
    graph = {}
    offenders = []
    headers = {n[:-2] for n in os.listdir(src) if n.endswith(".h")}
    for name in sorted(os.listdir(src)):
        if not name.endswith((".c", ".h")):
            continue
        module = module_of(name, headers)
        edges = graph.setdefault(module, set())
        with open(os.path.join(src, name), encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                header = m.group(2)
                if header in ENGINE_HEADERS:
                    if not any(fnmatch.fnmatch(name, p) for p in ENGINE_FILES):
                        offenders.append("%s:%d includes %s" % (name, number, header))
                elif m.group(1) == '"':
                    target = os.path.splitext(os.path.basename(header))[0]
                    if target != module:
                        edges.add(target)
    for edges in list(graph.values()):
        for target in edges:
            graph.setdefault(target, set())
    return graph, offenders


def cycles(graph):
    """Tarjan's strongly connected components; returns those with more than one module."""
    index = {}
    low = {}
    stack = []
    on_stack = set()
    found = []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def layers(graph):
    """Depth of each module: one below the deepest module that includes it.
    A module nothing includes (a command, a handler, an engine the store
    reaches through a table) sits just above the highest module it includes,
    or on top when that is the first layer. Returns the layers, top first."""
    included_by = {v: set() for v in graph}
    for v, edges in graph.items():
        for w in edges:
            included_by[w].add(v)
    depth = {}

    def measure(v):
        if v not in depth:
            depth[v] = 0
            depth[v] = 1 + max((measure(u) for u in included_by[v]), default=-1)
        return depth[v]

    for v in graph:
        measure(v)
    for v in graph:
        if not included_by[v] and graph[v]:
            depth[v] = max(0, min(depth[w] for w in graph[v]) - 1)
    bottom = max(depth.values(), default=0)
    return [sorted(v for v in graph if depth[v] == d) for d in range(bottom + 1)]


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "daemon"
    graph, offenders = read_graph(src)
    fail = False
    for component in cycles(graph):
        print("include cycle between: " + " ".join(component))
        fail = True
    for line in offenders:
        print("engine header outside the store's engine files: " + line)
        fail = True
    if fail:
        return 1
    for number, layer in enumerate(layers(graph)):
        print("%2d  %s" % (number, " ".join(layer)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
