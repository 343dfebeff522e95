"""python -m exercises list | start CHAPTER | check [TARGET] [--solution]

    start ch05          copy chapter 5's stubs to your folder (never overwrites your file)
    check ch05          check every exercise of chapter 5 in your copy
    check ch05.affine   check one exercise
    check ch05.affine --solution   show where the reference lives, and print it

Your folder is my_exercises/ in the repository (git ignores it); --dir or the
environment variable DLFS_EXERCISES_DIR puts it elsewhere.
"""

import argparse
import sys
import textwrap

from exercises import runner

STATUS = {"passed": "passed", "failed": "FAILED", "not started": "not started", "error": "ERROR"}


def format_result(result):
    """The report of one exercise: one line, and for a failure its diagnosis below it."""
    from exercises.checker import HINTS

    status = STATUS[result["status"]]
    line = f"{result['key']:<28} {status:<12}"
    if result["headline"]:
        line += f" {result['headline']}"
    if result["printed"]:
        line += (
            f" (your code printed {result['printed']} line(s), first {result['first_print']!r};"
            " the check ignores them)"
        )
    lines = [line]
    if result["status"] == "failed":
        lines += [f"    {detail}" for detail in result["details"]]
        if result["hint"]:
            lines += textwrap.wrap(
                f"hint: {HINTS[result['hint']]}",
                width=96,
                initial_indent="    ",
                subsequent_indent="      ",
            )
    return "\n".join(lines)


def summary(results):
    """'passed: ch03 5/5, ch05 2/7' for the chapters in ``results``."""
    counts = {}
    for result in results:
        chapter = result["key"].split(".")[0]
        passed, total = counts.get(chapter, (0, 0))
        counts[chapter] = (passed + (result["status"] == "passed"), total + 1)
    return "passed: " + ", ".join(f"{c} {p}/{t}" for c, (p, t) in counts.items())


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m exercises",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dir", help="your folder of working copies (default: my_exercises/)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="name every exercise")
    start = commands.add_parser("start", help="copy a chapter's stubs to your folder")
    start.add_argument("chapter", choices=[*runner.CHAPTERS, "all"])
    check = commands.add_parser("check", help="check your exercises")
    check.add_argument("target", nargs="?", default="all", help="all, ch05 or ch05.affine")
    check.add_argument(
        "--solution", action="store_true", help="show where the reference is and print it"
    )
    check.add_argument(
        "--time-limit",
        type=float,
        default=runner.TIME_LIMIT,
        help=f"seconds per exercise (default {runner.TIME_LIMIT:g})",
    )
    args = parser.parse_args(argv)
    folder = runner.workdir(args.dir)

    if args.command == "list":
        for exercise in runner.EXERCISES:
            print(f"{exercise.key:<28} {exercise.attr}")
        return 0
    if args.command == "start":
        chapters = runner.CHAPTERS if args.chapter == "all" else [args.chapter]
        for chapter in chapters:
            path, created = runner.start(chapter, folder)
            if created:
                where = f" --dir {args.dir}" if args.dir else ""
                print(f"{path}: your copy of {chapter}; check it with "
                      f"`python -m exercises{where} check {chapter}`")  # fmt: skip
            else:
                print(f"{path} already exists: your work there is kept (nothing was copied)")
        return 0
    try:
        exercises = runner.select(args.target)
    except ValueError as exc:
        parser.error(str(exc))
    if args.time_limit <= 0:
        parser.error(f"--time-limit must be > 0, got {args.time_limit:g}")
    if args.solution:
        for exercise in exercises:
            print(runner.solution_text(exercise))
        return 0
    results = []
    for result in runner.run(exercises, folder, args.time_limit):
        print(format_result(result), flush=True)
        results.append(result)
    print(summary(results))
    return 0 if all(r["status"] == "passed" for r in results) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
