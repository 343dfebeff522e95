"""Getting files from the network and onto the disk safely: the machinery behind dataset.mnist.

A learner reading ``dataset/mnist.py`` need not read this module.  It holds what
makes a download from a broken or hostile mirror cost a little time and memory,
and a killed run leave nothing behind:

* ``download(url, limit)``: a mirror may stay silent for at most ``DOWNLOAD_TIMEOUT``
  seconds, the whole file must arrive within ``DOWNLOAD_DEADLINE`` seconds
  (``$MNIST_DOWNLOAD_DEADLINE`` overrides it, up to ``MAX_DEADLINE``), and no
  response may be longer than ``limit`` bytes;
* ``gunzip(blob, limit)``: decompression that stops one byte past ``limit``, so a
  "gzip bomb" cannot fill the memory;
* ``from_mirrors(name, limit, mirrors, read, failures)``: the mirror loop, one line per failure;
* ``write_atomically(path, write)`` and ``clean_stale_parts(path)``: a file written
  under a temporary ``.part`` name and renamed into place, and the ``.part`` files of
  writers killed with SIGKILL removed by a later run.

Every failure of one source raises ``BadSource``, whose message says why; the
caller reports it and tries the next source.
"""

import math
import os
import socket
import sys
import tempfile
import threading
import time

DOWNLOAD_TIMEOUT = 30  # seconds a mirror may stay silent before we give up on it
#: Seconds one file may take in all, however steadily it trickles in.  MNIST's largest
#: file (9.9 MB) needs 33 KB/s to make it; MNIST_DOWNLOAD_DEADLINE overrides this.
DOWNLOAD_DEADLINE = 300
DEADLINE_ENV = "MNIST_DOWNLOAD_DEADLINE"
#: The longest deadline the variable may set: a day (a timer cannot wait for ever).
MAX_DEADLINE = 86_400
MIRRORS_ENV = "MNIST_MIRRORS"
#: A temporary file unchanged for this many seconds belongs to no live writer:
#: writing the 55 MB MNIST cache takes seconds, and the file grows while it is written.
STALE_PART_AGE = 600


class BadSource(Exception):
    """One source failed for one file; the message says why."""


def say(message):
    """Report progress or a problem as one line on stderr."""
    print(f"mnist: {message}", file=sys.stderr, flush=True)


# --- size caps --------------------------------------------------------------------------


def gz_limit(size):
    """The most bytes a .gz of a `size`-byte file may have.  Deflate never grows data
    by more than a few bytes per 16 KB block, and gzip adds a header of some bytes
    (more with a stored file name), so 1% plus 1 KB over the uncompressed size is
    generous for any compression level, yet keeps an endless response small."""
    return size + size // 100 + 1024


def gunzip(blob, limit):
    """Decompress gzip bytes, never producing more than `limit` bytes.

    A few KB of gzip can inflate to gigabytes (a "gzip bomb"); asking zlib for at
    most limit + 1 bytes stops that after one byte too many, whatever the input.
    A truncated or damaged stream, or one that inflates beyond `limit`, raises
    BadSource.  Like gzip.decompress, several members are joined and zero
    padding after the last one is ignored."""
    import zlib

    pieces, size, data = [], 0, blob
    try:
        while True:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # 16+: gzip header and trailer
            piece = inflater.decompress(data, limit + 1 - size)  # max_length >= 1 here
            size += len(piece)
            if size > limit:
                raise BadSource(f"inflates to more than {limit} bytes, the size of MNIST's file")
            pieces.append(piece)
            if not inflater.eof:
                raise BadSource("broken gzip data (the stream ends before its end)")
            data = inflater.unused_data
            if not data.strip(b"\0"):
                break
    except zlib.error as exc:
        raise BadSource(f"broken gzip data ({exc})") from None
    return b"".join(pieces)  # one member (the usual case): no copy


# --- the deadline -----------------------------------------------------------------------


def deadline_seconds():
    """DOWNLOAD_DEADLINE, or $MNIST_DOWNLOAD_DEADLINE when set; ValueError naming the
    variable unless it is a positive number of seconds, at most MAX_DEADLINE."""
    value = os.environ.get(DEADLINE_ENV, "").strip()
    if not value:
        return DOWNLOAD_DEADLINE
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not 0 < seconds <= MAX_DEADLINE:  # NaN fails this too
        raise ValueError(
            f"{DEADLINE_ENV}={value!r} is not a positive number of seconds up to "
            f"{MAX_DEADLINE} (the time one MNIST file may take to download; "
            f"default {DOWNLOAD_DEADLINE})"
        )
    return seconds


class Deadline:
    """Cuts every connection of one download when its time is up.

    The socket timeout only bounds each read, so a server sending one byte every
    few seconds would never time out.  A timer thread shuts the connections down
    at the deadline instead; the blocked read (or TLS handshake) then returns, with
    an error or an early end, and the download reports the deadline.

    It keeps its own duplicate of each socket: shutting down a duplicate shuts
    the connection itself (a blocked read in another thread wakes up), and a
    duplicate stays valid when TLS takes the original over or it is closed, so
    the timer never touches a file descriptor that has come to mean something else.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.fired = False
        self._stopped = False
        self._sockets = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True  # never keeps the interpreter alive

    def __enter__(self):
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        for sock in self._sockets:
            sock.close()
        self._sockets.clear()

    def watch(self, sock):
        """Watch the connection of `sock` (a connected plain socket)."""
        with self._lock:
            self._sockets.append(sock.dup())
            if self.fired:
                _shut(self._sockets[-1])

    def _fire(self):
        with self._lock:
            if not self._stopped:
                self.fired = True
                for sock in self._sockets:
                    _shut(sock)

    def stop(self):
        """Cancel the timer; return whether the deadline had already passed."""
        with self._lock:
            self._stopped = True
        self._timer.cancel()
        return self.fired


def _shut(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # the other side has already closed it
        pass


def _deadline_opener(deadline):
    """A urllib opener whose HTTP and HTTPS connections are watched by `deadline`."""
    import http.client
    import urllib.request

    def watched(base):
        class Watched(base):
            def connect(self):
                create = self._create_connection

                def create_and_watch(*args, **kwargs):
                    # the plain socket, before TLS wraps it: a handshake can stall too
                    sock = create(*args, **kwargs)
                    deadline.watch(sock)
                    return sock

                self._create_connection = create_and_watch
                super().connect()

        return Watched

    http_class = watched(http.client.HTTPConnection)
    https_class = watched(http.client.HTTPSConnection)

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(http_class, req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(https_class, req, context=self._context)

    return urllib.request.build_opener(HTTPHandler, HTTPSHandler)


# --- one download -----------------------------------------------------------------------


def _progress(url, got, total):
    """Redraw a one-line download progress display, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return
    if total:
        size = f"{got / 1e6:.1f}/{total / 1e6:.1f} MB {100 * got // total:3d}%"
    else:
        size = f"{got / 1e6:.1f} MB"
    sys.stderr.write(f"\r  {url.rsplit('/', 1)[-1]}: {size}")
    sys.stderr.flush()


def download(url, limit, timeout=None, deadline=None):
    """Fetch `url` and return its body, of at most `limit` bytes.

    HTTP errors (403, 404...), network errors, a malformed URL, silence longer than
    `timeout` (default DOWNLOAD_TIMEOUT), a body shorter than its Content-Length, a
    body longer than `limit`, and a download not complete after `deadline` seconds
    (default DOWNLOAD_DEADLINE or $MNIST_DOWNLOAD_DEADLINE) raise BadSource."""
    # Imported here because only downloads need them: they cost a few MB of
    # memory, and training runs are measured on their memory use.
    import http.client
    import urllib.error
    import urllib.request

    timeout = DOWNLOAD_TIMEOUT if timeout is None else timeout
    seconds = deadline_seconds() if deadline is None else deadline
    chunks, got, total, problem = [], 0, 0, None
    with Deadline(seconds) as watchdog:
        try:
            # in the try: Request raises ValueError for a malformed URL ("http://[::1")
            request = urllib.request.Request(url, headers={"User-Agent": "dlfs-course-mnist"})
            with _deadline_opener(watchdog).open(request, timeout=timeout) as response:
                total = int(response.headers.get("Content-Length") or 0)
                if total > limit:
                    raise BadSource(
                        f"announces {total} bytes, more than the {limit} that MNIST's file can be"
                    )
                while True:
                    # read1: returns what one read brings, so a trickle is seen as it comes
                    chunk = response.read1(1 << 16)
                    if not chunk:
                        break
                    got += len(chunk)
                    if got > limit:
                        raise BadSource(
                            f"sent more than {limit} bytes, more than MNIST's file can be"
                        )
                    chunks.append(chunk)
                    _progress(url, got, total)
        except urllib.error.HTTPError as exc:
            exc.close()
            problem = f"HTTP error {exc.code} {exc.reason}"
        except (OSError, http.client.HTTPException, ValueError) as exc:
            problem = f"cannot download ({getattr(exc, 'reason', exc)})"
        finally:
            if got and sys.stderr.isatty():
                sys.stderr.write("\n")
        late = watchdog.stop()
    if late:  # whatever the cut connection looked like (an error, or a clean end)
        raise BadSource(
            f"not complete after the {seconds:g} s deadline ({got} bytes came); "
            f"on a slow link, set {DEADLINE_ENV} to more seconds"
        )
    if problem is not None:
        raise BadSource(problem)
    if total and got < total:
        raise BadSource(f"truncated download: {got} of {total} bytes")
    return b"".join(chunks)


# --- the mirror loop --------------------------------------------------------------------


def mirror_list(default):
    """The mirrors to try: $MNIST_MIRRORS (comma-separated URLs) or `default`."""
    value = os.environ.get(MIRRORS_ENV, "")
    return [url.strip() for url in value.split(",") if url.strip()] or list(default)


def from_mirrors(name, limit, mirrors, read, failures):
    """Download `name` (at most `limit` bytes) from each mirror in turn until
    ``read(body)`` accepts it.

    ``read`` turns the downloaded bytes into the result, or raises BadSource.
    Returns ``(result, url)``, or ``(None, None)`` when every mirror failed; each
    failure is reported in one line and added to `failures`.  A bad
    $MNIST_DOWNLOAD_DEADLINE raises ValueError before any mirror is tried."""
    deadline = deadline_seconds()
    for number, base in enumerate(mirrors, 1):
        next_step = "trying the next mirror" if number < len(mirrors) else "no mirror left"
        if not base.startswith(("http://", "https://")):  # urllib: "unknown url type"
            failures.append(f"mirror {base!r} is not an http:// or https:// URL")
            say(f"{failures[-1]}; {next_step}")
            continue
        url = f"{base.rstrip('/')}/{name}"
        say(f"downloading {url}")
        try:
            return read(download(url, limit, deadline=deadline)), url
        except BadSource as exc:
            failures.append(f"{url}: {exc}")
            say(f"{url}: {exc}; {next_step}")
    return None, None


# --- files written whole, and what killed writers left ----------------------------------


def _host_tag():
    """This machine's name as it goes into temporary file names: no dots, no slashes."""
    return "".join(c if c.isalnum() or c == "-" else "_" for c in socket.gethostname()) or "host"


def _writer_is_dead(target, name):
    """Whether `name`, a temporary file of `target`, was written by a process of this
    machine that no longer runs.  The name carries the writer:
    <target>.<host>.<pid>.<random>.part (see write_atomically)."""
    fields = name[len(target) + 1 : -len(".part")].split(".")
    if len(fields) != 3 or fields[0] != _host_tag() or not fields[1].isdigit():
        return False  # another machine's (a shared folder) or an older name: age decides
    pid = int(fields[1])
    # os.kill(pid, 0) only asks whether the process exists on POSIX; on Windows it
    # would terminate it, so there only the age rule applies.
    if os.name != "posix" or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: alive, another user's
        return False
    return False


def clean_stale_parts(path, max_age=None):
    """Delete the temporary files of `path` that interrupted writers left beside it.

    A writer killed with SIGKILL (or by a power cut) cannot remove its
    ``<name>.*.part`` file.  Several processes may write the file at the same
    moment, so only files that no live writer can own are deleted: those of a
    dead process of this machine, and those unchanged for `max_age` seconds
    (default STALE_PART_AGE).  Were a live but stalled writer's file deleted all
    the same, its final rename fails, which it reports, keeping its data."""
    max_age = STALE_PART_AGE if max_age is None else max_age
    try:
        entries = list(os.scandir(path.parent))
    except OSError:  # no folder yet, or one we may not list
        return
    now = time.time()
    for entry in entries:
        name = entry.name
        if not (name.startswith(f"{path.name}.") and name.endswith(".part")):
            continue
        try:
            if now - entry.stat().st_mtime > max_age or _writer_is_dead(path.name, name):
                os.unlink(entry.path)
                say(f"removed {entry.path}, left by an interrupted run")
        except OSError:  # someone else removed it first, or it is not ours to remove
            continue


def write_atomically(path, write):
    """Create `path` whole or not at all: ``write(file)`` fills a temporary file in the
    same folder, which is then renamed to `path`.  On any failure or interruption
    (Ctrl-C, SIGTERM) the temporary file is removed and the exception goes on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # host and pid in the name let clean_stale_parts tell a dead writer's file
    prefix = f"{path.name}.{_host_tag()}.{os.getpid()}."
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a shared cache folder needs it readable
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
