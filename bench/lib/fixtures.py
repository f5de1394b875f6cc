#!/usr/bin/python3
"""fixtures.py KIND DIR [N]: generates deterministic benchmark inputs.
  tree     DIR N  a source tree of N C-like files in nested directories
                  (find + grep, and the git workload's 2,000 files)
  cproject DIR N  a small C project: N translation units + Makefile (make -j2)
"""
import os
import random
import sys

WORDS = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi "
         "omicron pi rho sigma tau upsilon phi chi psi omega buffer record session "
         "event sink kernel cgroup process").split()


def c_file(rng, idx, nfuncs):
    lines = ["/* generated file %d */" % idx, "#include <stddef.h>", ""]
    for f in range(nfuncs):
        name = "%s_%s_%d_%d" % (rng.choice(WORDS), rng.choice(WORDS), idx, f)
        lines.append("int %s(const int *v, size_t n)" % name)
        lines.append("{")
        lines.append("\tint acc = %d;" % rng.randint(0, 1000))
        lines.append("\tfor (size_t i = 0; i < n; i++) {")
        lines.append("\t\tacc = acc * %d + v[i] %% %d; /* %s */" %
                     (rng.randint(3, 97), rng.randint(5, 101), " ".join(rng.sample(WORDS, 4))))
        lines.append("\t\tif (acc > %d)" % rng.randint(1000, 100000))
        lines.append("\t\t\tacc ^= acc >> %d;" % rng.randint(1, 7))
        lines.append("\t}")
        lines.append("\treturn acc;")
        lines.append("}")
        lines.append("")
    return "\n".join(lines)


def tree(root, n):
    rng = random.Random(42)
    for i in range(n):
        d = os.path.join(root, "mod%02d" % (i % 40), "sub%d" % (i % 7))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "file%04d.c" % i), "w") as f:
            f.write(c_file(rng, i, 3))


def cproject(root, n):
    rng = random.Random(7)
    os.makedirs(os.path.join(root, "src"), exist_ok=True)
    for i in range(n):
        with open(os.path.join(root, "src", "unit%03d.c" % i), "w") as f:
            f.write(c_file(rng, i, 40))
    with open(os.path.join(root, "src", "main.c"), "w") as f:
        f.write("int main(void) { return 0; }\n")
    with open(os.path.join(root, "Makefile"), "w") as f:
        f.write("SRCS := $(wildcard src/*.c)\nOBJS := $(SRCS:src/%.c=obj/%.o)\n"
                "CFLAGS := -O2 -Wall\n"
                "app: $(OBJS)\n\t$(CC) -o $@ $^\n"
                "obj/%.o: src/%.c\n\t@mkdir -p obj\n\t$(CC) $(CFLAGS) -c -o $@ $<\n"
                "clean:\n\trm -rf obj app\n.PHONY: clean\n")


if __name__ == "__main__":
    kind, root = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
    {"tree": tree, "cproject": cproject}[kind](root, n)
