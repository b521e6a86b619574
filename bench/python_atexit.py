"""Python's atexit, measured the way bench/child.mjs measures the JavaScript libraries.

python3 bench/python_atexit.py <task> <n>   ->  one JSON line on stdout
Functions are built before the clock starts, as in child.mjs.
"""
import atexit
import json
import os
import sys
import time
import tracemalloc

task, n = sys.argv[1], int(sys.argv[2])
counter = [0]


def entries(count):
    def make():
        def fn():
            counter[0] += 1
        return fn
    return [make() for _ in range(count)]


def emit(**result):
    os.write(1, (json.dumps({"task": task, "library": "python", "n": n, **result}) + "\n").encode())


if task == "register":
    fns = entries(2 * n)
    start = time.perf_counter_ns()
    for fn in fns[:n]:
        atexit.register(fn)
    ns = time.perf_counter_ns() - start
    start = time.perf_counter_ns()
    for fn in fns[n:]:
        atexit.register(fn)
    warm = time.perf_counter_ns() - start
    emit(op="register", ns=ns, nsPerEntry=ns / n, warmNsPerEntry=warm / n)
    os._exit(0)
elif task == "unregister":
    fns = entries(n)
    for fn in fns:
        atexit.register(fn)
    start = time.perf_counter_ns()
    for fn in fns:
        atexit.unregister(fn)
    ns = time.perf_counter_ns() - start
    emit(ns=ns, ms=ns / 1e6, nsPerEntry=ns / n)  # _ncallbacks() counts removed slots too
    os._exit(0)
elif task == "exit":
    # LIFO: the probe registered first runs last, after the n entries.
    start = [0]

    def probe():
        ns = time.perf_counter_ns() - start[0]
        emit(ns=ns, nsPerEntry=ns / n, ran=counter[0])

    atexit.register(probe)
    fns = entries(n)
    for fn in fns:
        atexit.register(fn)
    start[0] = time.perf_counter_ns()
    sys.exit(0)
elif task == "memory":
    fns = entries(n)
    atexit.register(fns[0])
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for fn in fns[1:]:
        atexit.register(fn)
    after = tracemalloc.get_traced_memory()[0]
    emit(bytes=after - before, bytesPerEntry=(after - before) / (n - 1))
    os._exit(0)
else:
    raise SystemExit(f"Expected a task (register, unregister, exit, memory), got {task!r}")
