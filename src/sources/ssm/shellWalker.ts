// The POSIX shell walker that script.ts embeds for instances without python3: one request at a
// time with curl (or GNU wget), the same token policy, retries and record format as the python3
// walker. Works in dash, bash and busybox ash. Kept as a raw string: no `${` and no backticks.

export const SHELL_WALKER = String.raw`
# imdsx_exchange METHOD PATH TIMEOUT_S [HEADER]: one HTTP exchange. Body in $W/body; sets
# IMDSX_STATUS (0 when no answer came) and IMDSX_FAIL (why, when no answer came).
imdsx_exchange() {
  IMDSX_REQUESTS=$((IMDSX_REQUESTS + 1))
  if [ "$1" = PUT ]; then IMDSX_TOKEN_REQUESTS=$((IMDSX_TOKEN_REQUESTS + 1)); fi
  IMDSX_FAIL=''
  : > "$W/body"
  if [ "$IMDSX_TOOL" = curl ]; then
    if [ -n "$4" ]; then
      out=$(curl -s -g --noproxy '*' -o "$W/body" -w '%{http_code} %{time_connect}' -X "$1" \
        --connect-timeout 1 -m "$3" -H "$4" "$IMDSX_ENDPOINT$2" 2>/dev/null)
    else
      out=$(curl -s -g --noproxy '*' -o "$W/body" -w '%{http_code} %{time_connect}' -X "$1" \
        --connect-timeout 1 -m "$3" "$IMDSX_ENDPOINT$2" 2>/dev/null)
    fi
    rc=$?
    IMDSX_STATUS=0
    case $rc in
      0) IMDSX_STATUS=$(printf '%s' "$out" | cut -d' ' -f1) ;;
      28) case $(printf '%s' "$out" | cut -d' ' -f2) in
            0|0.0*|'') IMDSX_FAIL='connect-timeout:1000' ;;
            *) IMDSX_FAIL="timeout:$(($3 * 1000))" ;;
          esac ;;
      7) IMDSX_FAIL='unreachable:ECONNREFUSED' ;;
      6) IMDSX_FAIL='unreachable:ENOTFOUND' ;;
      52|55|56) IMDSX_FAIL='reset:ECONNRESET' ;;
      *) IMDSX_FAIL="unreachable:curl exit $rc" ;;
    esac
  else
    set -- "$1" "$2" "$3" "$4" "--method=$1"
    if [ -n "$4" ]; then
      wget -S -O "$W/body" --no-proxy --connect-timeout=1 --read-timeout="$3" -t 1 --content-on-error \
        "$5" --header="$4" "$IMDSX_ENDPOINT$2" 2>"$W/headers"
    else
      wget -S -O "$W/body" --no-proxy --connect-timeout=1 --read-timeout="$3" -t 1 --content-on-error \
        "$5" "$IMDSX_ENDPOINT$2" 2>"$W/headers"
    fi
    IMDSX_STATUS=$(sed -n 's/^ *HTTP\/[0-9.]* \([0-9][0-9][0-9]\).*/\1/p' "$W/headers" | tail -n 1)
    if [ -z "$IMDSX_STATUS" ]; then
      IMDSX_STATUS=0
      if grep -q 'Connection refused' "$W/headers"; then IMDSX_FAIL='unreachable:ECONNREFUSED'
      elif grep -q 'Connecting to.*timed out' "$W/headers"; then IMDSX_FAIL='connect-timeout:1000'
      elif grep -q 'timed out' "$W/headers"; then IMDSX_FAIL="timeout:$(($3 * 1000))"
      elif grep -q -i 'reset\|closed' "$W/headers"; then IMDSX_FAIL='reset:ECONNRESET'
      else IMDSX_FAIL="unreachable:$(grep -v '^ *$' "$W/headers" | tail -n 1 | tr -d '\r')"
      fi
    fi
  fi
}

# imdsx_send METHOD PATH TIMEOUT_S [HEADER]: retries 503, 429 and resets 3 times with backoff.
imdsx_send() {
  IMDSX_ATTEMPTS=0
  while :; do
    IMDSX_ATTEMPTS=$((IMDSX_ATTEMPTS + 1))
    imdsx_exchange "$@"
    case "$IMDSX_STATUS:$IMDSX_FAIL" in
      503:*|429:*|0:reset*)
        if [ "$IMDSX_ATTEMPTS" -le 3 ]; then
          case $IMDSX_ATTEMPTS in 1) d=0.1 ;; 2) d=0.2 ;; *) d=0.4 ;; esac
          sleep "$d" 2>/dev/null || sleep 1
          continue
        fi ;;
    esac
    return 0
  done
}

# imdsx_token REQUIRED: sets IMDSX_TOKEN ('' when reading without one, IMDSv1) or IMDSX_TOKEN_FAIL.
imdsx_token() {
  IMDSX_TOKEN_FAIL=''
  if [ "$1" != 1 ] && [ "$IMDSX_MODE" = v1 ]; then IMDSX_TOKEN=''; return 0; fi
  if [ -n "$IMDSX_TOKEN" ] && [ "$(date +%s)" -lt "$IMDSX_REFRESH_AT" ]; then return 0; fi
  requested=$(date +%s)
  imdsx_send PUT /latest/api/token 2 "X-aws-ec2-metadata-token-ttl-seconds: $IMDSX_TTL"
  case "$IMDSX_STATUS:$IMDSX_FAIL" in
    200:*)
      IMDSX_TOKEN=$(tr -d '\r\n' < "$W/body")
      if [ -z "$IMDSX_TOKEN" ]; then IMDSX_TOKEN_FAIL='token-malformed'; return 1; fi
      margin=$((IMDSX_TTL / 10)); if [ "$margin" -gt 60 ]; then margin=60; fi
      IMDSX_REFRESH_AT=$((requested + IMDSX_TTL - margin))
      IMDSX_MODE=v2 ;;
    403:*|404:*|405:*|0:timeout*)
      IMDSX_TOKEN=''
      if [ "$1" != 1 ]; then IMDSX_MODE=v1; return 0; fi
      case $IMDSX_STATUS in
        0) IMDSX_TOKEN_FAIL='token-timeout' ;;
        403) IMDSX_TOKEN_FAIL="token-status:403:$IMDSX_ATTEMPTS" ;;
        *) IMDSX_TOKEN_FAIL="token-refused:$IMDSX_STATUS" ;;
      esac
      return 1 ;;
    0:*) IMDSX_TOKEN=''; IMDSX_TOKEN_FAIL="token-$IMDSX_FAIL:$IMDSX_ATTEMPTS"; return 1 ;;
    *) IMDSX_TOKEN=''; IMDSX_TOKEN_FAIL="token-status:$IMDSX_STATUS:$IMDSX_ATTEMPTS"; return 1 ;;
  esac
}

# imdsx_get PATH: GET with the token policy; on 401 one fresh token and one more try.
imdsx_get() {
  imdsx_token 0 || return 1
  if [ -n "$IMDSX_TOKEN" ]; then imdsx_send GET "$1" 5 "X-aws-ec2-metadata-token: $IMDSX_TOKEN"
  else imdsx_send GET "$1" 5; fi
  [ "$IMDSX_STATUS" = 401 ] || return 0
  first=$IMDSX_ATTEMPTS
  IMDSX_TOKEN=''
  if [ "$IMDSX_MODE" = v1 ]; then IMDSX_MODE=unknown; fi
  imdsx_token 1 || return 1
  imdsx_send GET "$1" 5 "X-aws-ec2-metadata-token: $IMDSX_TOKEN"
  IMDSX_ATTEMPTS=$((first + IMDSX_ATTEMPTS))
}

# imdsx_children DIR: child paths of the listing in $W/body, one per line.
imdsx_children() {
  awk -v parent="$1" -v rootdirs=" $IMDSX_ROOT_DIRS " '
    BEGIN {
      n = split(parent, part, "/"); depth = 0
      for (i = 1; i <= n; i++) if (part[i] != "") seg[++depth] = part[i]
      keys = (depth >= 2 && seg[depth] == "public-keys" && seg[depth - 1] == "meta-data")
    }
    NR == 1 && $0 ~ /^[ \t]*</ { exit }
    {
      sub(/\r$/, ""); line = $0
      if (line ~ /^[ \t]*$/ || line ~ /[\001-\037\177]/) next
      isdir = (line ~ /\/$/); name = line
      if (isdir) name = substr(line, 1, length(line) - 1)
      if (name == "" || index(name, "/") || name == "." || name == "..") next
      if (keys && name ~ /^[0-9]+=/) { name = substr(name, 1, index(name, "=") - 1); isdir = 1 }
      else if (depth == 0 || (depth == 1 && index(rootdirs, " " name " "))) isdir = 1
      if (seen[name]++) next
      print parent name (isdir ? "/" : "")
    }' "$W/body"
}

# imdsx_mask PATH: masks SecretAccessKey/Token in $W/body when PATH holds credentials, or when
# the body carries such a field at any other path (a role listed as a directory).
imdsx_mask() {
  [ "$IMDSX_SECRETS" = 1 ] && return 0
  if ! imdsx_is_secret "$1"; then
    grep -qE '"(SecretAccessKey|Token|SessionToken)"' "$W/body" || return 0
  fi
  if grep -q '{' "$W/body"; then
    sed -E 's/("(SecretAccessKey|Token|SessionToken)"[[:space:]]*:[[:space:]]*)"([^"\\]|\\.)*"/\1"****************"/g' \
      "$W/body" > "$W/masked" && mv "$W/masked" "$W/body"
  elif grep -q '[^[:space:]]' "$W/body"; then
    printf '%s' '****************' > "$W/body"
  fi
}

# imdsx_record STATUS ATTEMPTS b|e|- PATH: one record line (body or failure base64-encoded).
imdsx_record() {
  case $3 in
    b) payload="b:$(base64 < "$W/body" | tr -d '\n')" ;;
    e) payload="e:$(printf '%s' "$IMDSX_FAIL" | base64 | tr -d '\n')" ;;
    *) payload=- ;;
  esac
  printf 'R %s %s %s %s\n' "$1" "$2" "$payload" "$4" >> "$W/walk"
}

imdsx_now_ms() {
  now=$(date +%s%N 2>/dev/null)
  case $now in *[!0-9]*|'') echo $(($(date +%s) * 1000)) ;; *) echo $((now / 1000000)) ;; esac
}

imdsx_shell_walk() {
  if [ -z "$IMDSX_TOOL" ]; then
    if command -v curl >/dev/null 2>&1; then IMDSX_TOOL=curl
    elif command -v wget >/dev/null 2>&1; then IMDSX_TOOL=wget
    else
      echo 'imds-explorer: this instance has none of python3, curl or wget, so it cannot read IMDS; install one (e.g. sudo dnf install -y curl, sudo apt-get install -y curl).' >&2
      return 3
    fi
  fi
  if [ "$IMDSX_TOOL" = wget ] && ! wget --version 2>/dev/null | grep -q 'GNU Wget'; then
    echo 'imds-explorer: only BusyBox wget is installed; it cannot send the IMDSv2 token request (PUT). Install curl or python3.' >&2
    return 3
  fi
  started=$(imdsx_now_ms)
  IMDSX_REQUESTS=0; IMDSX_TOKEN_REQUESTS=0; IMDSX_TOKEN=''; IMDSX_MODE=unknown; IMDSX_REFRESH_AT=0
  : > "$W/walk"
  printf '%s\n' "$IMDSX_ROOT" > "$W/queue"
  : > "$W/seen"
  # Bounds, as in the client's crawl: depth 16, 20000 paths, 120 s.
  stopped=''; stopped_at=''
  root_slashes=$(printf '%s' "$IMDSX_ROOT" | tr -cd / | wc -c)
  # Breadth-first: the loop reads the queue file while children are appended to it.
  while IFS= read -r p; do
    if [ $(( $(imdsx_now_ms) - started )) -gt 120000 ]; then stopped=time; stopped_at=$p; break; fi
    if ! imdsx_get "$p"; then
      IMDSX_FAIL=$IMDSX_TOKEN_FAIL
      imdsx_record 0 1 e "$p"
    elif [ "$IMDSX_STATUS" = 0 ]; then
      imdsx_record 0 "$IMDSX_ATTEMPTS" e "$p"
    elif [ "$IMDSX_STATUS" != 200 ]; then
      imdsx_record "$IMDSX_STATUS" "$IMDSX_ATTEMPTS" - "$p"
    else
      case $p in
        */) imdsx_record 200 "$IMDSX_ATTEMPTS" b "$p"
            imdsx_children "$p" > "$W/children"
            if [ -s "$W/children" ] && [ $(( $(printf '%s' "$p" | tr -cd / | wc -c) - root_slashes )) -ge 16 ]; then
              [ -n "$stopped" ] || { stopped=depth; stopped_at=$p; }
            else
              room=$((20000 - $(wc -l < "$W/seen")))
              if [ "$(wc -l < "$W/children")" -gt "$room" ]; then [ -n "$stopped" ] || { stopped=entries; stopped_at=$p; }; fi
              [ "$room" -gt 0 ] && head -n "$room" "$W/children" | while IFS= read -r child; do
                if ! grep -qxF "$child" "$W/seen"; then printf '%s\n' "$child" >> "$W/seen"; printf '%s\n' "$child" >> "$W/queue"; fi
              done
            fi ;;
        *) imdsx_mask "$p"; imdsx_record 200 "$IMDSX_ATTEMPTS" b "$p" ;;
      esac
    fi
  done < "$W/queue"
  ended=$(imdsx_now_ms)
  marker=''
  [ -z "$stopped" ] || marker=" stopped=$stopped stopped_at=$(printf '%s' "$stopped_at" | base64 | tr -d '\n')"
  { printf 'M tool=%s mode=%s requests=%s token_requests=%s elapsed_ms=%s%s\n' "$IMDSX_TOOL" "$IMDSX_MODE" \
      "$IMDSX_REQUESTS" "$IMDSX_TOKEN_REQUESTS" "$((ended - started))" "$marker"; cat "$W/walk"; } > "$W/records"
}
`;
