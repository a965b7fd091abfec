"""Writes the benchmark's banyan.toml files.

dag N DEPTH BIN: N services in DEPTH layers; each service below the top requires 1-3 random
services of the layer above, so the longest chain is DEPTH long. Fixed seed: every run is the same graph.
flat N BIN: N independent services.
"""
import random
import sys


def service(name, binary, requires=()):
    lines = [f"[service.{name}]", f'command = ["{binary}"]', "ready = { fd = 3 }"]
    if requires:
        lines.append("requires = [" + ", ".join(f'"{r}"' for r in requires) + "]")
    return "\n".join(lines) + "\n"


def dag(n, depth, binary):
    rng = random.Random(1)
    per = n // depth
    layers, out = [], []
    for d in range(depth):
        layer = [f"s{d}_{i}" for i in range(per if d < depth - 1 else n - per * (depth - 1))]
        for name in layer:
            req = rng.sample(layers[-1], min(len(layers[-1]), rng.randint(1, 3))) if layers else []
            out.append(service(name, binary, req))
        layers.append(layer)
    return "\n".join(out)


def flat(n, binary):
    return "\n".join(service(f"idle{i}", binary) for i in range(n))


if __name__ == "__main__":
    kind = sys.argv[1]
    if kind == "dag":
        print(dag(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]))
    else:
        print(flat(int(sys.argv[2]), sys.argv[3]))
