"""One line, never a traceback, when a script is stopped: Ctrl-C (exit 130), SIGTERM (exit 143).

``install()`` runs when ``common`` is first imported, so it covers the second a
script spends importing NumPy and Matplotlib before ``cli.run`` takes over:

* SIGTERM (what ``kill``, ``timeout`` and a closing session send) raises ``Terminated``
  in the main thread, as Ctrl-C raises KeyboardInterrupt: every ``finally`` and
  every cleanup on the way out runs, so no temporary file is left behind;
* an uncaught KeyboardInterrupt or Terminated prints one line, ``stopped by Ctrl-C``
  or ``stopped by SIGTERM``, and exits with the shell's status (128 + the signal);
* ``MPLBACKEND`` naming no Matplotlib backend gives one line naming the variable;
* output piped into a reader that stops early (``| head``) ends the script quietly (141).

Jupyter kernels are left alone: they handle their own signals.
"""

import atexit
import os
import signal
import sys
import threading


class Terminated(BaseException):
    """SIGTERM arrived.  A BaseException, like KeyboardInterrupt, so that an
    ``except Exception`` in between does not swallow it."""


#: exit status of a process stopped by each: 128 + SIGINT (2) or + SIGTERM (15)
EXIT_STATUS = {KeyboardInterrupt: 130, Terminated: 143}
PIPE_CLOSED = 141  # 128 + SIGPIPE: what a shell reports for a writer whose reader went away


def stop_message(exc):
    """The one line for a stop: ``stopped by Ctrl-C`` or ``stopped by SIGTERM``, then any detail."""
    what = "SIGTERM" if isinstance(exc, Terminated) else "Ctrl-C"
    return f"stopped by {what}" + (f" {exc}" if str(exc) else "")


def exit_status(exc):
    return EXIT_STATUS[Terminated if isinstance(exc, Terminated) else KeyboardInterrupt]


def _raise_terminated(signum, frame):
    raise Terminated()


def _one_line_hook(kind, exc, traceback):
    if issubclass(kind, BrokenPipeError):  # `script | head` stopped reading: nothing to say
        os._exit(PIPE_CLOSED)
    if issubclass(kind, (KeyboardInterrupt, Terminated)):
        print(f"\n{stop_message(exc)}", file=sys.stderr)
        _exit(exit_status(exc))
    backend = os.environ.get("MPLBACKEND", "")
    if issubclass(kind, ValueError) and str(exc).startswith(f"Key backend: {backend!r}"):
        print(
            f"error: MPLBACKEND={backend!r} is not a Matplotlib backend; unset it or use Agg",
            file=sys.stderr,
        )
        _exit(2)
    sys.__excepthook__(kind, exc, traceback)


def _exit(status):
    """Flush what was printed, then exit at once: a teardown could be interrupted again."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more to save
            pass
    os._exit(status)


def install():
    """Install the hooks above, once, in the main thread of a process that is no Jupyter kernel."""
    if "ipykernel" in sys.modules or threading.current_thread() is not threading.main_thread():
        return
    if sys.excepthook is sys.__excepthook__:
        sys.excepthook = _one_line_hook
    if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_terminated)
        atexit.register(_ignore_late_signals)


def _ignore_late_signals():
    """The work is done and Python is shutting down: a signal now would only interrupt the
    teardown (Python then dies by the signal, with no line and no status of ours).  Output
    still buffered goes out now, where a reader that went away (`| head`) can be told apart."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        os._exit(PIPE_CLOSED)
    except (OSError, ValueError):  # closed: nothing more to save
        pass
