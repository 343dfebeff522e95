"""The exercises, the learner's working copy, and running each check in a child process.

Each exercise is checked in a process of its own with a time limit, so that nothing the
learner's code does (an exception, an infinite loop, exit(), printing, a syntax error)
stops the other checks or ends the checker in a traceback: each becomes one line.
"""

import importlib
import inspect
import io
import multiprocessing
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
REPO = PACKAGE.parent
CHAPTERS = ("ch03", "ch04", "ch05", "ch06")
#: Where ``start`` puts the learner's copies (git-ignored); DLFS_EXERCISES_DIR or --dir moves it.
DEFAULT_WORKDIR = REPO / "my_exercises"
ENV_WORKDIR = "DLFS_EXERCISES_DIR"
TIME_LIMIT = 10.0  # seconds per exercise; the checks themselves take well under one


@dataclass(frozen=True)
class Exercise:
    chapter: str
    name: str  # "affine": the key is "ch05.affine"
    attr: str  # the name in the chapter's file: "Affine"
    solution: str  # "module:qualname" of the reference

    @property
    def key(self):
        return f"{self.chapter}.{self.name}"

    @property
    def check(self):
        from exercises import checks

        return getattr(checks, _CHECK_NAMES.get(self.key, f"check_{self.name}"))

    def reference(self):
        module, qualname = self.solution.split(":")
        obj = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        return obj


# The checks not named check_{name}: chapter 5's layers share names with chapter 3's functions.
_CHECK_NAMES = {
    "ch05.relu": "check_relu_layer",
    "ch05.sigmoid": "check_sigmoid_layer",
    "ch05.two_layer_net": "check_two_layer_net_gradient",
}

EXERCISES = [
    Exercise("ch03", "step_function", "step_function", "common.functions:step_function"),
    Exercise("ch03", "sigmoid", "sigmoid", "common.functions:sigmoid"),
    Exercise("ch03", "relu", "relu", "common.functions:relu"),
    Exercise("ch03", "softmax", "softmax", "common.functions:softmax"),
    Exercise("ch03", "forward", "forward", "exercises.solutions:forward"),
    Exercise("ch04", "numerical_diff", "numerical_diff", "common.gradient:numerical_diff"),
    Exercise(
        "ch04", "numerical_gradient", "numerical_gradient", "common.gradient:numerical_gradient"
    ),
    Exercise(
        "ch04",
        "numerical_gradient_2d",
        "numerical_gradient_2d",
        "common.gradient:numerical_gradient_2d",
    ),
    Exercise(
        "ch04", "gradient_descent", "gradient_descent", "exercises.solutions:gradient_descent"
    ),
    Exercise(
        "ch04", "cross_entropy_error", "cross_entropy_error", "common.functions:cross_entropy_error"
    ),
    Exercise("ch05", "mul_layer", "MulLayer", "ch05.layer_naive:MulLayer"),
    Exercise("ch05", "add_layer", "AddLayer", "ch05.layer_naive:AddLayer"),
    Exercise("ch05", "relu", "Relu", "common.layers:Relu"),
    Exercise("ch05", "sigmoid", "Sigmoid", "common.layers:Sigmoid"),
    Exercise("ch05", "affine", "Affine", "common.layers:Affine"),
    Exercise("ch05", "softmax_with_loss", "SoftmaxWithLoss", "common.layers:SoftmaxWithLoss"),
    Exercise("ch05", "two_layer_net", "TwoLayerNet", "ch05.two_layer_net:TwoLayerNet.gradient"),
    Exercise("ch06", "sgd", "SGD", "common.optimizer:SGD"),
    Exercise("ch06", "momentum", "Momentum", "common.optimizer:Momentum"),
    Exercise("ch06", "adagrad", "AdaGrad", "common.optimizer:AdaGrad"),
    Exercise("ch06", "adam", "Adam", "common.optimizer:Adam"),
    Exercise("ch06", "he_scale", "he_scale", "exercises.solutions:he_scale"),
    Exercise("ch06", "xavier_scale", "xavier_scale", "exercises.solutions:xavier_scale"),
    Exercise("ch06", "dropout", "Dropout", "common.layers:Dropout"),
    Exercise(
        "ch06", "batch_normalization", "BatchNormalization", "common.layers:BatchNormalization"
    ),
    Exercise(
        "ch06", "weight_decay_loss", "weight_decay_loss", "exercises.solutions:weight_decay_loss"
    ),
    Exercise(
        "ch06",
        "weight_decay_gradient",
        "weight_decay_gradient",
        "exercises.solutions:weight_decay_gradient",
    ),
]
BY_KEY = {exercise.key: exercise for exercise in EXERCISES}


def select(target):
    """The exercises named by 'all', a chapter 'ch05' or one exercise 'ch05.affine'."""
    if target in (None, "all"):
        return list(EXERCISES)
    if target in CHAPTERS:
        return [e for e in EXERCISES if e.chapter == target]
    if target in BY_KEY:
        return [BY_KEY[target]]
    raise ValueError(
        f"unknown exercise {target!r}: give 'all', a chapter ({', '.join(CHAPTERS)}) or one "
        "exercise such as ch05.affine (`python -m exercises list` names them all)"
    )


def workdir(option=None):
    """The learner's folder: --dir, else $DLFS_EXERCISES_DIR, else my_exercises/ in the repo."""
    return Path(option or os.environ.get(ENV_WORKDIR) or DEFAULT_WORKDIR)


def start(chapter, folder):
    """Copy the chapter's stubs into ``folder``; never overwrite. Returns (path, created)."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{chapter}.py"
    if target.exists():
        return target, False
    text = (PACKAGE / f"{chapter}.py").read_bytes()
    fd, tmp = tempfile.mkstemp(prefix=f".{chapter}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text)
        os.link(tmp, target)  # fails if the file appeared meanwhile: it is never replaced
    except FileExistsError:
        return target, False
    finally:
        os.unlink(tmp)
    return target, True


# ------------------------------------------------------------------ running one check


def _result(exercise, status, headline="", details=(), hint=None, printed=0, first_print=""):
    return {
        "key": exercise.key,
        "status": status,
        "headline": headline,
        "details": list(details),
        "hint": hint,
        "printed": printed,
        "first_print": first_print,
    }


def check_object(exercise, obj):
    """Run ``exercise``'s check on ``obj`` in this process; return the result dict."""
    from common import backend
    from exercises.checker import Failed

    try:
        with backend.using_device("cpu"):  # the learner writes NumPy code: checked on the CPU
            exercise.check(obj)
    except Failed as failure:
        return _result(exercise, failure.status, failure.headline, failure.details, failure.hint)
    except Exception as exc:  # something the checks did not foresee: still one line
        return _result(exercise, "error", f"the check stopped: {type(exc).__name__}: {exc}")
    return _result(exercise, "passed")


def _load(path):
    spec = importlib.util.spec_from_file_location(f"learner_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _child(connection, key, path):
    """In the child process: import the learner's file, run one check, send the result."""
    from exercises import checker

    exercise = BY_KEY[key]
    captured = io.StringIO()
    sys.stdout = sys.stderr = captured  # the learner's prints must not mix with the report
    checker.LEARNER_FILES.add(str(path))
    try:
        try:
            module = _load(path)
        except Exception as exc:
            where = checker._where(exc, checker.LEARNER_FILES)
            result = _result(
                exercise, "error", f"importing {path} failed: {type(exc).__name__}: {exc}{where}"
            )
        else:
            obj = getattr(module, exercise.attr, None)
            if obj is None:
                result = _result(
                    exercise,
                    "error",
                    f"{path} has no {exercise.attr} (renamed or deleted?); the stub is in "
                    f"{PACKAGE / (exercise.chapter + '.py')}",
                )
            else:
                result = check_object(exercise, obj)
    except BaseException as exc:  # exit(), KeyboardInterrupt raised by the learner's code
        result = _result(exercise, "error", f"your code raised {type(exc).__name__} ({exc})")
    lines = captured.getvalue().splitlines()
    result["printed"] = len(lines)
    result["first_print"] = lines[0][:60] if lines else ""
    connection.send(result)


def _context():
    # fork is fast (NumPy is already imported) and where it is missing, spawn works the same
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def run_one(exercise, path, time_limit=TIME_LIMIT):
    """Check ``exercise`` in the learner's file ``path`` in a child process, with a time limit."""
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, exercise.key, path), daemon=True)
    process.start()
    sender.close()
    try:
        if receiver.poll(time_limit):
            return receiver.recv()
        if process.is_alive():
            return _result(
                exercise,
                "error",
                f"did not finish within {time_limit:g} s (an infinite loop?); stopped",
            )
        return _result(
            exercise,
            "error",
            f"the process ended (exit code {process.exitcode}) before the check finished "
            "(os._exit? a crash?)",
        )
    except EOFError:
        process.join(1)
        return _result(
            exercise,
            "error",
            f"the process ended (exit code {process.exitcode}) before the check finished",
        )
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        receiver.close()


def syntax_error(path):
    """One line naming the file and line of a syntax error, or None."""
    try:
        compile(path.read_bytes(), str(path), "exec")
    except SyntaxError as exc:
        return f"syntax error in {path} line {exc.lineno}: {exc.msg}"
    except ValueError as exc:  # null bytes
        return f"{path} cannot be compiled: {exc}"
    return None


def run(exercises, folder, time_limit=TIME_LIMIT):
    """Yield one result per exercise, from the learner's copies in ``folder``."""
    problems = {}  # each chapter file compiled once, however many of its exercises run
    for exercise in exercises:
        path = folder / f"{exercise.chapter}.py"
        if not path.exists():
            yield _result(
                exercise,
                "not started",
                f"no working copy yet: `python -m exercises start {exercise.chapter}` makes {path}",
            )
            continue
        if path not in problems:
            problems[path] = syntax_error(path)
        problem = problems[path]
        if problem:
            yield _result(exercise, "error", problem)
            continue
        yield run_one(exercise, path.resolve(), time_limit)


def solution_text(exercise):
    """Where the reference lives, then its source."""
    obj = exercise.reference()
    file = Path(inspect.getsourcefile(obj)).resolve()
    try:
        where = file.relative_to(REPO)
    except ValueError:
        where = file
    line = inspect.getsourcelines(obj)[1]
    kind = "class" if inspect.isclass(obj) else "function"
    header = f"{exercise.key}: the reference is {where}, {kind} {obj.__qualname__} (line {line})"
    return header + "\n\n" + inspect.getsource(obj)
