// The python3 walker that script.ts embeds: the fast path when the instance has python3. It reads
// the tree breadth-first with 8 keep-alive connections, with the ImdsClient's token policy
// (IMDSv2, IMDSv1 fallback on 403/404/405/timeout, a fresh token on 401) and retry policy
// (503/429/reset, 3 retries with backoff), and writes one record per path to $IMDSX_RECORDS.
// Parameters come from the environment the shell envelope sets. Python 3.5+, standard library only.
// Kept as a raw string: no `${` and no backticks may appear in it.

export const PYTHON_WALKER = String.raw`
import base64, errno, os, random, re, socket, sys, threading, time
import http.client as httplib
from urllib.parse import urlsplit
from concurrent.futures import ThreadPoolExecutor

ENDPOINT = os.environ['IMDSX_ENDPOINT']
ROOT = os.environ['IMDSX_ROOT']
TTL = int(os.environ['IMDSX_TTL'])
SHOW_SECRETS = os.environ['IMDSX_SECRETS'] == '1'
RECORDS = os.environ['IMDSX_RECORDS']
ROOT_DIRS = set(os.environ['IMDSX_ROOT_DIRS'].split())
SECRET_PATHS = [re.compile(p) for p in os.environ['IMDSX_SECRET_RE'].split()]
MASK = '****************'
SECRET_FIELD = re.compile(r'("(?:SecretAccessKey|Token|SessionToken)"\s*:\s*)"(?:[^"\\]|\\.)*"')
CONNECT_TIMEOUT, GET_TIMEOUT, TOKEN_TIMEOUT, RETRIES = 1.0, 5.0, 2.0, 3
REFRESH_MARGIN = min(60.0, TTL / 10.0)

url = urlsplit(ENDPOINT)
HOST, HTTPS = url.hostname, url.scheme == 'https'
PORT = url.port or (443 if HTTPS else 80)
counts_lock, token_lock, local = threading.Lock(), threading.Lock(), threading.local()
state = {'requests': 0, 'token_requests': 0, 'token': None, 'refresh_at': 0.0, 'mode': 'unknown'}


class Transport(Exception):
    """No HTTP answer: kind is timeout, connect-timeout, unreachable or reset."""
    def __init__(self, kind, detail, attempts=1):
        Exception.__init__(self, kind)
        self.kind, self.detail, self.attempts = kind, detail, attempts


class TokenFailure(Exception):
    pass


def drop_connection():
    conn = getattr(local, 'conn', None)
    if conn is not None:
        conn.close()
    local.conn = None


def exchange(method, path, headers, timeout):
    conn = getattr(local, 'conn', None)
    reused = conn is not None
    if conn is None:
        cls = httplib.HTTPSConnection if HTTPS else httplib.HTTPConnection
        conn = local.conn = cls(HOST, PORT, timeout=CONNECT_TIMEOUT)
        try:
            conn.connect()
        except socket.timeout:
            drop_connection()
            raise Transport('connect-timeout', str(int(CONNECT_TIMEOUT * 1000)))
        except OSError as error:
            drop_connection()
            raise Transport('unreachable', errno.errorcode.get(error.errno or 0, str(error)))
    conn.sock.settimeout(timeout)
    try:
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        body = response.read()
    except socket.timeout:
        drop_connection()
        raise Transport('timeout', str(int(timeout * 1000)))
    except (httplib.HTTPException, ConnectionError, OSError) as error:
        drop_connection()
        if reused:  # a kept-alive socket the server had closed: one silent reconnect
            return exchange(method, path, headers, timeout)
        raise Transport('reset', 'ECONNRESET' if isinstance(error, ConnectionResetError) else 'socket closed')
    if (response.getheader('connection') or '').lower() == 'close':
        drop_connection()
    return response.status, body, response.getheader('x-aws-ec2-metadata-token-ttl-seconds')


def send(method, path, headers, timeout):
    """One logical request: retries 503/429/reset with exponential backoff, like the client."""
    attempt = 0
    while True:
        attempt += 1
        with counts_lock:
            state['requests'] += 1
            if method == 'PUT':
                state['token_requests'] += 1
        try:
            status, body, ttl = exchange(method, path, headers, timeout)
        except Transport as failure:
            if failure.kind == 'reset' and attempt <= RETRIES:
                time.sleep(backoff(attempt))
                continue
            failure.attempts = attempt
            raise
        if status in (503, 429) and attempt <= RETRIES:
            time.sleep(backoff(attempt))
            continue
        return status, body, attempt, ttl


def backoff(attempt):
    ceiling = min(2.0, 0.1 * 2 ** (attempt - 1))
    return ceiling / 2 + random.random() * ceiling / 2


def fetch_token(required):
    """PUT /latest/api/token; without 'required', 403/404/405/timeout mean IMDSv1 here."""
    may_fall_back = not required
    requested = time.time()
    try:
        status, body, attempts, granted = send('PUT', '/latest/api/token', {'X-aws-ec2-metadata-token-ttl-seconds': str(TTL)}, TOKEN_TIMEOUT)
    except Transport as failure:
        if failure.kind == 'timeout':
            if may_fall_back:
                state['mode'] = 'v1'
                return None
            raise TokenFailure('token-timeout')
        raise TokenFailure('token-%s:%s:%d' % (failure.kind, failure.detail, failure.attempts))
    if status == 200:
        value = body.decode('utf-8', 'replace').strip()
        if not value or re.search(r'[\s\x00-\x1f]', value):
            raise TokenFailure('token-malformed')
        try:
            ttl = min(float(granted), TTL) if granted and float(granted) > 0 else TTL
        except ValueError:
            ttl = TTL
        state['token'], state['mode'] = value, 'v2'
        state['refresh_at'] = requested + ttl - min(REFRESH_MARGIN, ttl / 2.0)
        return value
    if status in (403, 404, 405):
        if may_fall_back:
            state['mode'] = 'v1'
            return None
        if status == 403:
            raise TokenFailure('token-status:403:%d' % attempts)
        raise TokenFailure('token-refused:%d' % status)
    raise TokenFailure('token-status:%d:%d' % (status, attempts))


def current_token(required):
    with token_lock:
        if not required and state['mode'] == 'v1':
            return None
        if state['token'] and time.time() < state['refresh_at']:
            return state['token']
        return fetch_token(required)


def token_headers(token):
    return {'X-aws-ec2-metadata-token': token} if token else {}


def read(path):
    token = current_token(False)
    status, body, attempts, _ = send('GET', path, token_headers(token), GET_TIMEOUT)
    if status != 401:
        return status, body, attempts
    # Token expired or revoked, or IMDSv2 became required: one fresh token, one more try.
    with token_lock:
        if state['token'] == token:
            state['token'] = None
        if state['mode'] == 'v1':
            state['mode'] = 'unknown'
    fresh = current_token(True)
    status2, body2, attempts2, _ = send('GET', path, token_headers(fresh), GET_TIMEOUT)
    return status2, body2, attempts + attempts2


def children(parent, body):
    """Child paths of a listing, read as leniently as the client reads it strictly."""
    try:
        text = body.decode('utf-8')
    except UnicodeDecodeError:
        return []
    if text.lstrip()[:1] == '<':
        return []
    segments = [s for s in parent.split('/') if s]
    public_keys = len(segments) >= 2 and segments[-1] == 'public-keys' and segments[-2] == 'meta-data'
    found, seen = [], set()
    for line in text.split('\n'):
        if line.endswith('\r'):
            line = line[:-1]
        if not line.strip() or re.search(r'[\x00-\x1f\x7f]', line):
            continue
        is_dir = line.endswith('/')
        name = line[:-1] if is_dir else line
        if not name or '/' in name or name in ('.', '..'):
            continue
        key = re.match(r'^(\d+)=', name) if public_keys else None
        if key:
            name, is_dir = key.group(1), True
        elif not segments or (len(segments) == 1 and name in ROOT_DIRS):
            is_dir = True
        if name not in seen:
            seen.add(name)
            found.append(parent + name + ('/' if is_dir else ''))
    return found


def mask(path, body):
    if SHOW_SECRETS:
        return body
    if not any(p.match(path) for p in SECRET_PATHS):
        # By content too: a credential document at any other path (a role listed as a directory).
        if not SECRET_FIELD.search(body.decode('utf-8', 'replace')):
            return body
    text = body.decode('utf-8', 'replace')
    if '{' not in text:
        return body if not text.strip() else MASK.encode()
    return SECRET_FIELD.sub(lambda m: m.group(1) + '"' + MASK + '"', text).encode('utf-8')


def record(status, attempts, payload, path):
    return 'R %d %d %s %s' % (status, attempts, payload, path)


def b64(data):
    return base64.b64encode(data).decode('ascii')


def visit(path):
    try:
        status, body, attempts = read(path)
    except Transport as failure:
        return record(0, failure.attempts, 'e:' + b64(('%s:%s' % (failure.kind, failure.detail)).encode()), path), []
    except TokenFailure as failure:
        return record(0, 1, 'e:' + b64(str(failure).encode()), path), []
    if status != 200:
        return record(status, attempts, '-', path), []
    if path.endswith('/'):
        return record(200, attempts, 'b:' + b64(body), path), children(path, body)
    return record(200, attempts, 'b:' + b64(mask(path, body)), path), []


# Bounds, as in the client's crawl: a server that lists directories in a cycle must not run for ever.
MAX_DEPTH, MAX_ENTRIES, MAX_SECONDS = 16, 20000, 120


def main():
    started = time.time()
    lines, level, seen = [], [ROOT], {ROOT}
    depth, stopped = 0, None
    with ThreadPoolExecutor(max_workers=8) as pool:
        while level:
            following = []
            for path, (line, found) in zip(level, pool.map(visit, level)):
                lines.append(line)
                if found and depth >= MAX_DEPTH:
                    stopped = stopped or ('depth', path)
                    continue
                for child in found:
                    if child in seen:
                        continue
                    if len(seen) >= MAX_ENTRIES:
                        stopped = stopped or ('entries', path)
                        break
                    seen.add(child)
                    following.append(child)
            level, depth = following, depth + 1
            if level and time.time() - started > MAX_SECONDS:
                stopped = stopped or ('time', level[0])
                break
    marker = '' if not stopped else ' stopped=%s stopped_at=%s' % (stopped[0], b64(stopped[1].encode('utf-8')))
    with open(RECORDS, 'w') as out:
        out.write('M tool=python3 mode=%s requests=%d token_requests=%d elapsed_ms=%d%s\n' % (
            state['mode'], state['requests'], state['token_requests'], int((time.time() - started) * 1000), marker))
        out.write('\n'.join(lines) + '\n')


main()
`;
