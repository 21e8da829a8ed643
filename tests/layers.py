#!/usr/bin/env python3
"""The daemon's layers point one way.

Reads the '#include "x.h"' lines of every file in daemon/ and builds the module
graph (a module is a file name without .c or .h, so foo.c and foo.h are one
module). Fails when two modules include each other, directly or through others,
and when a file outside the store's engine files includes a database engine's
header. Prints the modules in layers, from the top (commands, listeners: nobody
includes them) to the bottom (store, log: they include nothing of ours), each
module one layer above the highest module it includes.
"""
import fnmatch
import os
import re
import sys

ENGINE_HEADERS = ("sqlite3.h", "libpq-fe.h")

# Only the engines' own files may include an engine header.
ENGINE_FILES = ("store_sqlite*", "store_pg*")

# Files that still include an engine header until the SQL of events,
# installations and requests has moved behind the store.
ENGINE_FILES_PENDING = ("store.h", "events.h", "installations.h", "requests.h")

INCLUDE = re.compile(r'\s*#\s*include\s*([<"])([^">]+)[">]')


def module_of(name):
    return os.path.splitext(name)[0]


def read_graph(src):
    """Returns {module: set of modules it includes} and a list of engine-header offenders."""
    graph = {}
    offenders = []
    for name in sorted(os.listdir(src)):
        if not name.endswith((".c", ".h")):
            continue
        module = module_of(name)
        edges = graph.setdefault(module, set())
        with open(os.path.join(src, name), encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                header = m.group(2)
                if header in ENGINE_HEADERS:
                    allowed = ENGINE_FILES + ENGINE_FILES_PENDING
                    if not any(fnmatch.fnmatch(name, p) for p in allowed):
                        offenders.append("%s:%d includes %s" % (name, number, header))
                elif m.group(1) == '"':
                    target = module_of(os.path.basename(header))
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
    """Height of each module: 0 when it includes nothing of ours, else one above its highest include."""
    height = {}

    def measure(v):
        if v not in height:
            height[v] = 0
            height[v] = 1 + max((measure(w) for w in graph[v]), default=-1)
        return height[v]

    for v in graph:
        measure(v)
    top = max(height.values(), default=0)
    return [sorted(v for v in graph if height[v] == h) for h in range(top, -1, -1)]


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
